// SPDX-License-Identifier: Apache-2.0
// Phases that end by iterations in a distributed run: the controller is their barrier. Every
// worker tells it when it is done; once all running workers are, every agent is told the one
// instant the next phase starts. A takeover comes in after the phases already over, with the
// iterations the lost workers had not begun, so the phase's total stays exact.
#include "control/run_manager.hpp"

#include <algorithm>

#include "core/unix_time.hpp"

namespace stampede::control {
namespace {

/// From the release to the next phase's start: time for the message to reach every agent.
constexpr std::int64_t release_lead_ms = 300;

}  // namespace

void run_manager::on_phase_done(const std::string& agent, const v1::PhaseDone& done) {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(done.run_id());
  if (it == runs_.end() || it->second->finished) {
    return;
  }
  auto& r = *it->second;
  // Only the worker's holder speaks for it: a lost agent that came back must not end a phase
  // its successor still runs.
  const bool holds = std::any_of(r.members.begin(), r.members.end(), [&](const member& m) {
    return m.name == agent && m.state == "running" && done.worker() >= m.first_worker &&
           done.worker() < m.first_worker + m.workers;
  });
  if (!holds) {
    return;
  }
  if (const auto released = r.releases.find(done.phase()); released != r.releases.end()) {
    // Released already (an arrival sent again after a reconnect): the agent is told again.
    v1::ControllerMessage msg;
    msg.mutable_phase_start()->set_run_id(r.id);
    msg.mutable_phase_start()->set_phase(done.phase());
    msg.mutable_phase_start()->set_start_at_ms(released->second);
    pending_sends_.emplace_back(agent, std::move(msg));
    changed_.notify_all();
    return;
  }
  r.arrivals[done.phase()].insert(done.worker());
  release_phases(r);
}

void run_manager::release_phases(run& r) {
  for (auto it = r.arrivals.begin(); it != r.arrivals.end();) {
    const auto phase = it->first;
    const auto& arrived = it->second;
    bool all = true;
    std::vector<std::string> agents;
    for (const auto& m : r.members) {
      if (m.state != "running") {
        continue;  // lost (its workers handed over or gone), finished or failed
      }
      for (std::uint32_t w = m.first_worker; w < m.first_worker + m.workers; ++w) {
        all = all && arrived.contains(w);
      }
      if (std::find(agents.begin(), agents.end(), m.name) == agents.end()) {
        agents.push_back(m.name);
      }
    }
    if (!all || agents.empty()) {
      ++it;
      continue;
    }
    const auto start_at = core::unix_ms() + release_lead_ms;
    r.releases[phase] = start_at;
    for (const auto& agent : agents) {
      v1::ControllerMessage msg;
      msg.mutable_phase_start()->set_run_id(r.id);
      msg.mutable_phase_start()->set_phase(static_cast<std::uint32_t>(phase));
      msg.mutable_phase_start()->set_start_at_ms(start_at);
      pending_sends_.emplace_back(agent, std::move(msg));
    }
    it = r.arrivals.erase(it);
    changed_.notify_all();  // the monitor sends them
  }
}

void run_manager::note_progress(run& r, const engine::interval_report& report) {
  auto& [phase, started] = r.progress[report.worker];
  if (report.phase > phase) {
    phase = report.phase;
    started = report.phase_started;
  } else if (report.phase == phase) {
    started = std::max(started, report.phase_started);
  }
}

void run_manager::place_takeover(run& r, const member& m, v1::Assignment& a) {
  const auto& plan = r.recorder->plan();
  // The phases up to the last released one are over; those after start as it shifted them.
  if (!r.releases.empty()) {
    const auto& [phase, start_at] = *r.releases.rbegin();
    if (phase + 1 < plan.phases.size()) {
      const auto planned = r.start_at_ms + std::chrono::duration_cast<std::chrono::milliseconds>(
                                               plan.phases[phase + 1].start)
                                               .count();
      a.set_first_phase(static_cast<std::uint32_t>(phase + 1));
      a.set_shift_ms(start_at - planned);
    }
  }
  // The phase the run is in: the furthest any worker reported.
  std::size_t current = a.first_phase();
  for (const auto& [worker, progress] : r.progress) {
    current = std::max(current, progress.first);
  }
  if (current >= plan.phases.size() || !plan.phases[current].ends_by_iterations) {
    return;
  }
  a.set_iterations_phase(static_cast<std::uint32_t>(current + 1));
  const auto arrived = r.arrivals.find(current);
  for (std::uint32_t w = m.first_worker; w < m.first_worker + m.workers; ++w) {
    std::uint64_t budget = engine::worker_iterations(plan.phases[current], w, r.total_workers);
    if (const auto b = r.budgets.find(w); b != r.budgets.end() && b->second.first == current) {
      budget = b->second.second;  // taken over before: what that takeover was given
    }
    std::uint64_t begun = 0;
    if (const auto p = r.progress.find(w); p != r.progress.end() && p->second.first == current) {
      begun = p->second.second;
    }
    // A worker that said it was done has nothing left, whatever its last report said.
    const bool done = arrived != r.arrivals.end() && arrived->second.contains(w);
    const auto left = done ? 0 : budget - std::min(budget, begun);
    a.add_iterations_left(left);
    r.budgets[w] = {current, left};
    r.progress[w] = {current, 0};  // the new holder counts from its own start
  }
}

}  // namespace stampede::control

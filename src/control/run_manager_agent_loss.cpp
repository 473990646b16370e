// SPDX-License-Identifier: Apache-2.0
// Agents a run loses: found by the monitor, then the campaign's on_agent_loss policy applied
// (their workers handed to the survivors, the run going on without them, or aborted), and
// agents that come back after being given up told to stop.
#include "control/run_manager.hpp"

#include <algorithm>
#include <iostream>
#include <limits>

#include <fmt/format.h>

#include "core/unix_time.hpp"
#include "engine/schedule.hpp"

namespace stampede::control {
namespace {

using core::local_time_text;
using core::unix_ms;

/// Time for a takeover assignment to reach the survivors before they begin.
constexpr std::int64_t takeover_delay_ms = 1000;

std::string worker_range(std::uint32_t first, std::uint32_t count) {
  return count == 1 ? fmt::format("worker {}", first)
                    : fmt::format("workers {}-{}", first, first + count - 1);
}

}  // namespace

std::vector<v1::ControllerMessage> run_manager::stops_for_lost(const std::string& agent) {
  std::vector<v1::ControllerMessage> stops;
  for (const auto& [id, r] : runs_) {
    for (auto& m : r->members) {
      if (m.name == agent && m.state == "lost" && !m.told_to_stop) {
        // An agent that comes back after it was given up must not go on loading the target.
        m.told_to_stop = true;
        v1::ControllerMessage msg;
        msg.mutable_stop()->set_run_id(id);
        msg.mutable_stop()->set_abort(true);
        stops.push_back(std::move(msg));
      }
    }
  }
  return stops;
}

void run_manager::check_agents(run& r, std::int64_t steady_now_ms) {
  if (steady_now_ms < r.grace_until_ms) {
    return;
  }
  std::vector<member> takeovers;
  bool changed = false;
  for (auto& m : r.members) {
    if (m.state != "running") {
      continue;
    }
    const auto* a = agents_.find(m.name);
    if (a != nullptr && a->healthy(steady_now_ms)) {
      continue;
    }
    auto more = lose_member(
        r, m, unix_ms(),
        a == nullptr || !a->connected
            ? "its connection closed"
            : fmt::format(
                  "no heartbeat for {:.1f} s",
                  static_cast<double>(steady_now_ms - a->last_heartbeat_steady_ms) / 1000.0));
    takeovers.insert(takeovers.end(), more.begin(), more.end());
    changed = true;
  }
  // Appended after the loop: members are walked by reference above.
  r.members.insert(r.members.end(), takeovers.begin(), takeovers.end());
  if (changed) {
    release_phases(r);  // the lost workers no longer hold a phase's end back
    persist(r);
  }
}

std::vector<run_manager::member> run_manager::lose_member(run& r, member& m, std::int64_t now_ms,
                                                          const std::string& why) {
  m.state = "lost";
  std::int64_t reported_to = std::numeric_limits<std::int64_t>::max();
  for (std::uint32_t w = m.first_worker; w < m.first_worker + m.workers; ++w) {
    reported_to = std::min(reported_to, r.recorder->merger().next_index(w));
  }
  auto policy = r.recorder->plan().campaign.on_agent_loss;

  // Rebalance: the surviving agents split the lost workers between them and run them from a
  // common instant on, each worker keeping its global number (and so its exact slice).
  std::vector<std::string> survivors;
  for (const auto& o : r.members) {
    if (o.state == "running" &&
        std::find(survivors.begin(), survivors.end(), o.name) == survivors.end()) {
      survivors.push_back(o.name);
    }
  }
  std::string what;
  if (policy == scenario::agent_loss_policy::rebalance && (survivors.empty() || r.stop_sent)) {
    policy = scenario::agent_loss_policy::continue_;  // nobody left to take it over
  }
  if (policy == scenario::agent_loss_policy::rebalance && r.parameters_lost) {
    // A takeover is an assignment, which needs the run's parameters, and a restarted
    // controller never had them back (they are never stored).
    policy = scenario::agent_loss_policy::continue_;
    what =
        "its share cannot be handed over, as the run's parameters (-e, --target) are not "
        "kept across a controller restart: ";
  }
  std::vector<member> takeovers;
  if (policy == scenario::agent_loss_policy::rebalance) {
    const auto resume_at = now_ms + takeover_delay_ms;
    const auto resume_second = std::max<std::int64_t>(0, (resume_at - r.start_at_ms) / 1000);
    std::uint32_t next = m.first_worker;
    for (std::size_t i = 0; i < survivors.size(); ++i) {
      const auto n =
          static_cast<std::uint32_t>(engine::split_count(m.workers, survivors.size(), i));
      if (n == 0) {
        continue;
      }
      member t;
      t.name = survivors[i];
      t.first_worker = next;
      t.workers = n;
      next += n;
      auto msg = assignment_for(r, t);
      msg.mutable_assignment()->set_resume_at_ms(resume_at);
      place_takeover(r, t, *msg.mutable_assignment());
      pending_sends_.emplace_back(t.name, std::move(msg));
      what += fmt::format("{}{} takes over {}", what.empty() ? "" : ", ", t.name,
                          worker_range(t.first_worker, t.workers));
      takeovers.push_back(std::move(t));
    }
    what += fmt::format(" from second {} on (on_agent_loss: rebalance)", resume_second);
    m.handed_over_at = resume_second;
  } else if (policy == scenario::agent_loss_policy::abort) {
    what = "the run is aborted (on_agent_loss: abort)";
  } else {
    what += "the run goes on without its share";
  }
  const auto text = fmt::format(
      "{} agent {} lost ({}): {} reported seconds 0-{}; the seconds after are a gap for them; {}",
      local_time_text(now_ms, false), m.name, why, worker_range(m.first_worker, m.workers),
      reported_to - 1, what);
  std::cerr << fmt::format("stampede controller: run {}: {}\n", r.id, text);
  r.recorder->add_event(text, true);
  notice(r, text);
  if (policy != scenario::agent_loss_policy::rebalance) {
    retire_member(r, m);
  }
  if (policy == scenario::agent_loss_policy::abort && !r.stop_sent) {
    r.status = "aborted";
    r.cut_short = true;  // the campaign asked for a whole fleet or nothing: not a green run
    queue_abort(r);
  }
  return takeovers;
}

void run_manager::queue_abort(run& r, bool after_a_stop) {
  if (r.stop_sent && !after_a_stop) {
    return;
  }
  r.stop_sent = true;
  for (const auto& m : r.members) {
    if (m.state == "running") {
      v1::ControllerMessage msg;
      msg.mutable_stop()->set_run_id(r.id);
      msg.mutable_stop()->set_abort(true);
      pending_sends_.emplace_back(m.name, std::move(msg));
    }
  }
}

v1::ControllerMessage run_manager::assignment_for(const run& r, const member& m) const {
  v1::ControllerMessage msg;
  auto* a = msg.mutable_assignment();
  a->set_run_id(r.id);
  a->set_campaign_text(r.campaign_text);
  a->set_source_file(r.source_file);
  a->set_first_worker(m.first_worker);
  a->set_workers(m.workers);
  a->set_total_workers(r.total_workers);
  a->set_start_at_ms(r.start_at_ms);
  a->set_lease_ms(lease_ms_);
  a->set_data_text(r.data_text);
  a->mutable_parameters()->insert(r.parameters.begin(), r.parameters.end());
  a->set_target(r.target);
  return msg;
}

}  // namespace stampede::control

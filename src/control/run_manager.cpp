// SPDX-License-Identifier: Apache-2.0
#include "control/run_manager.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "control/report_codec.hpp"
#include "core/unix_time.hpp"
#include "engine/schedule.hpp"
#include "engine/sut_sources.hpp"
#include "metrics/summary.hpp"
#include "monitor/local_monitors.hpp"
#include "scenario/campaign_parser.hpp"

namespace stampede::control {
namespace {

using core::local_time_text;
using core::unix_ms;

/// Time for the assignment to reach every agent before interval 0 begins.
constexpr std::int64_t start_delay_ms = 1500;
/// A run still going this long after its plan ends is stuck; it is ended.
constexpr std::int64_t overdue_ms = 60'000;

}  // namespace

run_manager::run_manager(std::mutex& mutex, storage::results_db& db, agent_registry& agents,
                         std::shared_ptr<const monitor_hub> monitors)
    : mutex_(mutex), db_(db), agents_(agents), monitors_(std::move(monitors)) {
  restore();
  monitor_ = std::thread([this] { monitor(); });
}

run_manager::~run_manager() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  monitor_.join();
}

v1::RunInfo run_manager::start(const std::string& campaign_name, std::uint32_t agent_count,
                               const std::string& command,
                               const std::map<std::string, std::string>& parameters,
                               const std::string& target) {
  std::vector<std::pair<std::string, v1::ControllerMessage>> assignments;
  v1::RunInfo reply;
  {
    std::lock_guard lock(mutex_);
    const auto row = db_.find_campaign(campaign_name);
    if (!row) {
      throw call_error(grpc::StatusCode::NOT_FOUND,
                       fmt::format("no campaign named '{}'", campaign_name));
    }
    // What the person starting the run gave, and not this controller's environment.
    scenario::run_parameters params(parameters, false);
    if (!target.empty()) {
      params.target = target;
    }
    scenario::campaign campaign;
    try {
      campaign =
          scenario::parse_campaign_with_data(row->text, row->source_file, row->data_text, params);
    } catch (const scenario::campaign_error& e) {
      throw call_error(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    } catch (const std::invalid_argument& e) {  // a bad --target
      throw call_error(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }

    const auto now = unix_ms();
    const auto steady_now = core::steady_ms();
    std::vector<agent_state> idle;
    for (const auto& a : agents_.list()) {
      if (a.healthy(steady_now) && a.assignment.empty() && links_.count(a.name) != 0) {
        idle.push_back(a);
      }
    }
    if (idle.empty()) {
      throw call_error(grpc::StatusCode::FAILED_PRECONDITION,
                       "no idle agent is connected: start agents with stampede agent "
                       "or stampede agents up --local N");
    }
    if (agent_count > idle.size()) {
      throw call_error(grpc::StatusCode::FAILED_PRECONDITION,
                       fmt::format("asked for {} agents; {} healthy idle agent{} connected",
                                   agent_count, idle.size(), idle.size() == 1 ? " is" : "s are"));
    }
    if (agent_count > 0) {
      idle.resize(agent_count);
    }

    auto r = std::make_unique<run>();
    std::uint32_t total = 0;
    for (const auto& a : idle) {
      member m;
      m.name = a.name;
      m.first_worker = total;
      m.workers = campaign.threads ? *campaign.threads : std::max(1u, a.cores);
      total += m.workers;
      r->members.push_back(std::move(m));
    }

    engine::run_options options;
    options.threads = total;
    options.resolve = false;  // agents resolve the target where they run
    std::shared_ptr<const engine::run_plan> plan;
    try {
      plan = engine::run_plan::build(campaign, options);
    } catch (const std::exception& e) {
      throw call_error(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }
    // A campaign's own `monitor:` watches processes of the controller's host, beside the
    // monitors attached from elsewhere.
    std::shared_ptr<engine::sut_source> own_monitors;
    if (!campaign.monitors.empty()) {
      std::vector<monitor::sut_target> targets;
      for (const auto& m : campaign.monitors) {
        targets.push_back({m.name, m.pid, m.process, m.cgroup});
      }
      try {
        own_monitors = std::make_shared<monitor::local_monitors>(std::move(targets));
      } catch (const std::exception& e) {
        throw call_error(grpc::StatusCode::INVALID_ARGUMENT, fmt::format("monitor: {}", e.what()));
      }
    }
    if (outputs_ != nullptr) {
      try {
        outputs_->check(campaign);
      } catch (const std::exception& e) {
        throw call_error(grpc::StatusCode::INVALID_ARGUMENT, e.what());
      }
    }
    storage::run_record record;
    record.name = campaign_name;  // the name it was added under, as `stampede runs` lists it
    record.command = command;
    record.campaign_text = row->text;
    record.started_at_ms = now;
    record.status = "running";
    r->recorder = std::make_unique<engine::run_recorder>(
        plan, total, &db_, record,
        [](const std::string& m) { std::cerr << "stampede controller: warning: " << m << "\n"; });
    if (r->recorder->run_id() == 0) {
      throw call_error(grpc::StatusCode::INTERNAL, "the controller's database refused the run");
    }
    r->id = r->recorder->run_id();
    r->campaign = campaign_name;
    r->command = command;
    r->campaign_text = row->text;
    r->data_text = row->data_text;
    r->parameters = params.used();
    r->target = target;
    r->started_at_ms = now;
    r->start_at_ms = now + start_delay_ms;
    r->deadline_ms =
        r->start_at_ms +
        std::chrono::duration_cast<std::chrono::milliseconds>(plan->total_length).count() +
        overdue_ms;
    r->recorder->set_start_unix_ms(r->start_at_ms);
    std::shared_ptr<engine::sut_source> remote =
        std::make_shared<hub_source>(monitors_, r->start_at_ms);
    r->recorder->monitor(
        own_monitors ? std::make_shared<engine::sut_sources>(std::vector{own_monitors, remote})
                     : remote);
    if (outputs_ != nullptr) {
      try {
        r->recorder->observe(outputs_->for_run(r->id, campaign));
      } catch (const std::exception& e) {
        // A file that cannot be made: the run goes on without the outputs, and says why.
        std::cerr << fmt::format("stampede controller: run {}: no outputs: {}\n", r->id, e.what());
        r->recorder->add_event(fmt::format("outputs not sent: {}", e.what()), false);
      }
    }
    place_on_steady_clock(*r);

    r->source_file = row->source_file.empty() ? campaign_name + ".yaml" : row->source_file;
    r->total_workers = total;
    for (const auto& m : r->members) {
      assignments.emplace_back(m.name, assignment_for(*r, m));
      agents_.assign(m.name, fmt::format("run {}", r->id));
    }
    std::cerr << fmt::format("stampede controller: run {} of '{}' on {} agent{} ({} workers)\n",
                             r->id, campaign_name, r->members.size(),
                             r->members.size() == 1 ? "" : "s", total);
    reply = info(*r);
    persist(*r);
    if (!r->data_text.empty()) {
      try {
        db_.set_run_data(r->id, r->data_text);
      } catch (const std::exception& e) {
        std::cerr << "stampede controller: run " << r->id << ": " << e.what() << "\n";
      }
    }
    runs_[r->id] = std::move(r);
  }
  for (const auto& [agent, msg] : assignments) {
    send(agent, msg);  // an agent that misses it is found lost by the monitor
  }
  return reply;
}

v1::RunInfo run_manager::stop(std::int64_t run_id, bool abort) {
  std::vector<std::pair<std::string, v1::ControllerMessage>> stops;
  v1::RunInfo reply;
  {
    std::lock_guard lock(mutex_);
    const auto it = runs_.find(run_id);
    if (it == runs_.end() || it->second->finished) {
      if (it == runs_.end() && !db_.find_run(run_id)) {
        throw call_error(grpc::StatusCode::NOT_FOUND, fmt::format("no run {}", run_id));
      }
      throw call_error(grpc::StatusCode::FAILED_PRECONDITION,
                       fmt::format("run {} has already ended", run_id));
    }
    auto& r = *it->second;
    if (!r.recorder->aborted_by()) {  // else a threshold aborted it: that status stands
      r.status = abort ? "aborted" : "interrupted";
    }
    r.interrupted = true;
    notice(r, abort ? "stop requested: aborting" : "stop requested: letting requests finish");
    for (const auto& m : r.members) {
      if (m.state == "running") {
        v1::ControllerMessage msg;
        msg.mutable_stop()->set_run_id(run_id);
        msg.mutable_stop()->set_abort(abort);
        stops.emplace_back(m.name, std::move(msg));
      }
    }
    r.stop_sent = true;
    persist(r);
    finish_if_done(r);
    reply = info(r);
  }
  for (const auto& [agent, msg] : stops) {
    send(agent, msg);
  }
  return reply;
}

std::optional<v1::RunInfo> run_manager::get(std::int64_t run_id) {
  std::lock_guard lock(mutex_);
  if (const auto it = runs_.find(run_id); it != runs_.end()) {
    return it->second->finished ? *it->second->finished : info(*it->second);
  }
  if (const auto rec = db_.find_run(run_id)) {
    return info(*rec);
  }
  return std::nullopt;
}

std::vector<v1::RunInfo> run_manager::list(std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<v1::RunInfo> out;
  for (const auto& rec : db_.list_runs(limit)) {
    const auto it = runs_.find(rec.id);
    if (it != runs_.end() && !it->second->finished) {
      out.push_back(info(*it->second));
    } else {
      out.push_back(info(rec));
    }
  }
  return out;
}

std::vector<std::string> run_manager::running() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, r] : runs_) {
    if (!r->finished) {
      out.push_back(fmt::format("run {} ({})", id, r->campaign));
    }
  }
  return out;
}

grpc::Status run_manager::watch(std::int64_t run_id,
                                const std::function<bool(const v1::RunEvent&)>& write,
                                const std::function<bool()>& cancelled) {
  std::unique_lock lock(mutex_);
  const auto it = runs_.find(run_id);
  if (it == runs_.end()) {
    const auto rec = db_.find_run(run_id);
    if (!rec) {
      return {grpc::StatusCode::NOT_FOUND, fmt::format("no run {}", run_id)};
    }
    v1::RunEvent ended;
    *ended.mutable_finished() = info(*rec);
    lock.unlock();
    write(ended);
    return grpc::Status::OK;
  }
  const run& r = *it->second;  // runs are never erased while the controller runs
  std::size_t cursor = 0;
  while (true) {
    while (cursor < r.log.size()) {
      const auto event = r.log[cursor++];
      lock.unlock();
      if (!write(event)) {
        return grpc::Status::OK;
      }
      lock.lock();
    }
    if (r.finished || stopping_ || cancelled()) {
      return grpc::Status::OK;
    }
    changed_.wait_for(lock, std::chrono::milliseconds(500));
  }
}

void run_manager::link_opened(const std::string& agent, std::shared_ptr<agent_link> link) {
  std::vector<v1::ControllerMessage> stops;
  {
    std::lock_guard lock(mutex_);
    links_[agent] = std::move(link);
    stops = stops_for_lost(agent);
  }
  for (const auto& msg : stops) {
    send(agent, msg);
  }
}

void run_manager::link_closed(const std::string& agent, const std::shared_ptr<agent_link>& link) {
  std::lock_guard lock(mutex_);
  if (const auto it = links_.find(agent); it != links_.end() && it->second == link) {
    links_.erase(it);
  }
}

bool run_manager::on_report(const std::string& agent, const v1::IntervalReport& wire) {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(wire.run_id());
  if (it == runs_.end() || it->second->finished) {
    return true;  // nothing will take it: acknowledge so the agent lets it go
  }
  auto& r = *it->second;
  auto report = from_wire(wire, r.recorder->plan().layout);
  if (!report) {
    std::cerr << fmt::format(
        "stampede controller: run {}: a damaged report from agent '{}' (worker {}, second {}) "
        "was dropped\n",
        r.id, agent, wire.worker(), wire.index());
    return true;
  }
  // The agent's latest share holding this worker decides what becomes of the report.
  const member* owner = nullptr;
  for (const auto& m : r.members) {
    if (m.name == agent && report->worker >= m.first_worker &&
        report->worker < m.first_worker + m.workers) {
      owner = &m;
    }
  }
  if (owner == nullptr) {
    return true;  // not this agent's worker: nothing to merge
  }
  auto kept = wire;
  if (owner->state == "lost") {
    // A lost agent that comes back late: its seconds before the takeover are still its own
    // (merged once, if the takeover has not reported past them); from the takeover on the
    // worker belongs to its new owner, who also ends it.
    if (owner->handed_over_at < 0 || report->index >= owner->handed_over_at) {
      return true;
    }
    report->final = false;
    kept.set_final(false);
  }
  // Kept before it is acknowledged: a restarted controller replays these to rebuild the run.
  try {
    if (!db_.add_agent_report(r.id, agent, kept.worker(), kept.index(), kept.SerializeAsString())) {
      return true;  // had it already (sent again after a reconnect)
    }
  } catch (const std::exception& e) {
    std::cerr << "stampede controller: " << e.what() << "\n";
    return false;  // not acknowledged: the agent sends it again
  }
  if (!report->fatal.empty() && r.failure.empty()) {
    // A worker failed on its agent: the run fails (exit 1) with the cause; the rest stop.
    r.failure = report->fatal;
    const auto text =
        fmt::format("{} agent {}: {}", local_time_text(unix_ms(), false), agent, report->fatal);
    r.recorder->add_event(text, true);
    notice(r, text);
    queue_abort(r, true);  // even after a graceful stop: the run has failed, cut it now
    persist(r);
  }
  note_progress(r, *report);
  const bool ends = ends_agent(r, agent, *report);
  on_completed(r, r.recorder->add(std::move(*report), agent, ends));
  check_abort_thresholds(r);
  for (auto& m : r.members) {
    if (m.name != agent || m.state != "running") {
      continue;
    }
    bool all_final = true;
    for (std::uint32_t w = m.first_worker; w < m.first_worker + m.workers; ++w) {
      all_final = all_final && r.recorder->merger().finished(w);
    }
    if (all_final) {
      m.state = "finished";
    }
  }
  release_phases(r);
  finish_if_done(r);
  return true;
}

bool run_manager::ends_agent(const run& r, const std::string& agent,
                             const engine::interval_report& report) const {
  if (!report.final) {
    return false;
  }
  // Its last worker still going: a lost share's workers are its takeover's, not its own.
  for (const auto& m : r.members) {
    if (m.name != agent || m.state == "lost") {
      continue;
    }
    for (std::uint32_t w = m.first_worker; w < m.first_worker + m.workers; ++w) {
      if (w != report.worker && !r.recorder->merger().finished(w)) {
        return false;
      }
    }
  }
  return true;
}

void run_manager::on_assignment_failed(const std::string& agent,
                                       const v1::AssignmentFailed& failed) {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(failed.run_id());
  if (it == runs_.end() || it->second->finished) {
    return;
  }
  auto& r = *it->second;
  for (auto& m : r.members) {
    if (m.name == agent && m.state == "running") {
      m.state = "failed";
      const auto text = fmt::format("{} agent {} could not run its share: {}",
                                    local_time_text(unix_ms(), false), agent, failed.reason());
      r.recorder->add_event(text, true);
      notice(r, text);
      retire_member(r, m);
    }
  }
  release_phases(r);  // its workers no longer hold a phase's end back
  persist(r);
  finish_if_done(r);
}

void run_manager::on_heartbeat(const std::string& agent, std::int64_t offset_ms,
                               std::int64_t round_trip_ms) {
  std::vector<v1::ControllerMessage> stops;
  {
    std::lock_guard lock(mutex_);
    clocks_[agent] = {offset_ms, round_trip_ms};
    stops = stops_for_lost(agent);
  }
  for (const auto& msg : stops) {
    send(agent, msg);
  }
}

std::optional<std::pair<std::int64_t, std::int64_t>> run_manager::clock_of(
    const std::string& agent) {
  std::lock_guard lock(mutex_);
  const auto it = clocks_.find(agent);
  return it == clocks_.end() ? std::nullopt : std::optional(it->second);
}

void run_manager::monitor() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, std::chrono::milliseconds(200));
    if (stopping_) {
      break;
    }
    const auto steady_now = core::steady_ms();
    for (auto& [id, r] : runs_) {
      if (r->finished) {
        continue;
      }
      check_agents(*r, steady_now);
      if (!r->finished && steady_now > r->deadline_steady_ms) {
        r->status = "aborted";
        r->cut_short = true;
        notice(*r, fmt::format("{} run overdue: ended without the agents' last reports",
                               local_time_text(unix_ms(), false)));
        for (auto& m : r->members) {
          retire_member(*r, m);
        }
      }
      finish_if_done(*r);
    }
    if (!pending_sends_.empty()) {
      auto sends = std::move(pending_sends_);
      pending_sends_.clear();
      lock.unlock();  // a write may wait on a slow agent; nothing else should
      for (const auto& [agent, msg] : sends) {
        send(agent, msg);
      }
      lock.lock();
    }
  }
}

void run_manager::retire_member(run& r, member& m) {
  for (std::uint32_t w = m.first_worker; w < m.first_worker + m.workers; ++w) {
    on_completed(r, r.recorder->retire(w));
  }
}

void run_manager::on_completed(run& r, const std::vector<engine::completed_interval>& done) {
  for (const auto& c : done) {
    const auto ps = r.recorder->progress(c);
    v1::RunEvent e;
    auto* p = e.mutable_progress();
    p->set_phase(ps.phase);
    p->set_elapsed_s(ps.elapsed_s);
    p->set_total_s(ps.total_s);
    p->set_users(ps.users);
    p->set_connections(ps.connections);
    p->set_rps(ps.rps);
    p->set_p50_ms(ps.p50_ms.value_or(-1));
    p->set_p99_ms(ps.p99_ms.value_or(-1));
    p->set_requests(ps.requests);
    p->set_failed(ps.failed);
    r.log.push_back(std::move(e));
  }
  if (!done.empty()) {
    changed_.notify_all();
  }
}

void run_manager::check_abort_thresholds(run& r) {
  if (r.stop_sent || r.finished) {
    return;  // the run is ending already; its thresholds are checked at the end
  }
  if (r.recorder->check_abort()) {
    r.status = "aborted";
    notice(r, r.recorder->events().back());
    queue_abort(r);  // every agent stops at once, as `stampede stop --abort` does
    persist(r);
  }
}

void run_manager::notice(run& r, const std::string& text) {
  v1::RunEvent e;
  e.set_notice(text);
  r.log.push_back(std::move(e));
  changed_.notify_all();
}

void run_manager::send(const std::string& agent, const v1::ControllerMessage& m) {
  if (auto link = link_of(agent)) {
    link->send(m);
  }
}

std::shared_ptr<agent_link> run_manager::link_of(const std::string& agent) const {
  const auto it = links_.find(agent);
  return it == links_.end() ? nullptr : it->second;
}

}  // namespace stampede::control

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
#include "metrics/summary.hpp"
#include "scenario/campaign_parser.hpp"

namespace stampede::control {
namespace {

using core::local_time_text;
using core::unix_ms;

/// Time for the assignment to reach every agent before interval 0 begins.
constexpr std::int64_t start_delay_ms = 1500;
/// Time for a takeover assignment to reach the survivors before they begin.
constexpr std::int64_t takeover_delay_ms = 1000;
/// After a controller restart, how long agents have to reconnect before they count as lost.
constexpr std::int64_t reconnect_grace_ms = 10'000;
/// A run still going this long after its plan ends is stuck; it is ended.
constexpr std::int64_t overdue_ms = 60'000;
/// More workers than any fleet runs: a restored state claiming more is damaged.
constexpr std::uint32_t max_restored_workers = 1u << 20;

std::string worker_range(std::uint32_t first, std::uint32_t count) {
  return count == 1 ? fmt::format("worker {}", first)
                    : fmt::format("workers {}-{}", first, first + count - 1);
}

}  // namespace

run_manager::run_manager(std::mutex& mutex, storage::results_db& db, agent_registry& agents)
    : mutex_(mutex), db_(db), agents_(agents) {
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
                               const std::string& command) {
  std::vector<std::pair<std::string, v1::ControllerMessage>> assignments;
  v1::RunInfo reply;
  {
    std::lock_guard lock(mutex_);
    const auto row = db_.find_campaign(campaign_name);
    if (!row) {
      throw call_error(grpc::StatusCode::NOT_FOUND,
                       fmt::format("no campaign named '{}'", campaign_name));
    }
    scenario::campaign campaign;
    try {
      campaign = scenario::parse_campaign_with_data(row->text, row->source_file, row->data_text);
    } catch (const scenario::campaign_error& e) {
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
    r->started_at_ms = now;
    r->start_at_ms = now + start_delay_ms;
    r->deadline_ms =
        r->start_at_ms +
        std::chrono::duration_cast<std::chrono::milliseconds>(plan->total_length).count() +
        overdue_ms;
    r->recorder->set_start_unix_ms(r->start_at_ms);
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
    r.status = abort ? "aborted" : "interrupted";
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
    if (!db_.add_agent_report(r.id, kept.worker(), kept.index(), kept.SerializeAsString())) {
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
  on_completed(r, r.recorder->add(std::move(*report)));
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
  finish_if_done(r);
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

void run_manager::check_restored(const run& r) {
  if (r.total_workers == 0 || r.total_workers > max_restored_workers) {
    throw std::runtime_error(fmt::format("total_workers {} is out of range", r.total_workers));
  }
  if (r.members.empty()) {
    throw std::runtime_error("it has no agents");
  }
  for (const auto& m : r.members) {
    if (m.workers == 0 || m.first_worker >= r.total_workers ||
        m.workers > r.total_workers - m.first_worker) {
      throw std::runtime_error(fmt::format("agent {}'s workers {}+{} lie outside the run's {}",
                                           m.name, m.first_worker, m.workers, r.total_workers));
    }
    if (m.state != "running" && m.state != "finished" && m.state != "lost" && m.state != "failed") {
      throw std::runtime_error(
          fmt::format("agent {} is in an unknown state '{}'", m.name, m.state));
    }
  }
  if (r.start_at_ms <= 0 || r.deadline_ms < r.start_at_ms) {
    throw std::runtime_error("its start and deadline are out of order");
  }
}

void run_manager::place_on_steady_clock(run& r) {
  r.start_at_steady_ms = core::steady_ms_of_unix(r.start_at_ms);
  r.deadline_steady_ms = core::steady_ms_of_unix(r.deadline_ms);
}

void run_manager::persist(const run& r) {
  nlohmann::json members = nlohmann::json::array();
  for (const auto& m : r.members) {
    members.push_back({{"name", m.name},
                       {"first_worker", m.first_worker},
                       {"workers", m.workers},
                       {"state", m.state},
                       {"told_to_stop", m.told_to_stop},
                       {"handed_over_at", m.handed_over_at}});
  }
  const nlohmann::json state = {{"campaign", r.campaign},
                                {"command", r.command},
                                {"source_file", r.source_file},
                                {"total_workers", r.total_workers},
                                {"started_at_ms", r.started_at_ms},
                                {"start_at_ms", r.start_at_ms},
                                {"deadline_ms", r.deadline_ms},
                                {"status", r.status},
                                {"stop_sent", r.stop_sent},
                                {"interrupted", r.interrupted},
                                {"failure", r.failure},
                                {"degraded", r.recorder->degraded()},
                                {"events", r.recorder->events()},
                                {"members", members}};
  try {
    db_.set_run_control(r.id, state.dump());
  } catch (const std::exception& e) {
    std::cerr << "stampede controller: run " << r.id << ": " << e.what() << "\n";
  }
}

void run_manager::restore() {
  std::lock_guard lock(mutex_);
  for (const auto& [id, text] : db_.unfinished_run_controls()) {
    try {
      const auto state = nlohmann::json::parse(text);
      const auto rec = db_.find_run(id);
      if (!rec) {
        throw std::runtime_error("its control state has no run record");
      }
      auto r = std::make_unique<run>();
      r->id = id;
      r->campaign = state.at("campaign").get<std::string>();
      r->command = state.at("command").get<std::string>();
      r->campaign_text = rec->campaign_text;
      r->source_file = state.at("source_file").get<std::string>();
      r->data_text = db_.run_data(id);
      r->total_workers = state.at("total_workers").get<std::uint32_t>();
      r->started_at_ms = state.at("started_at_ms").get<std::int64_t>();
      r->start_at_ms = state.at("start_at_ms").get<std::int64_t>();
      r->deadline_ms = state.at("deadline_ms").get<std::int64_t>();
      r->status = state.at("status").get<std::string>();
      r->stop_sent = state.at("stop_sent").get<bool>();
      r->interrupted = state.value("interrupted", false);
      r->failure = state.value("failure", "");
      place_on_steady_clock(*r);
      r->grace_until_ms = core::steady_ms() + reconnect_grace_ms;
      for (const auto& j : state.at("members")) {
        member m;
        m.name = j.at("name").get<std::string>();
        m.first_worker = j.at("first_worker").get<std::uint32_t>();
        m.workers = j.at("workers").get<std::uint32_t>();
        m.state = j.at("state").get<std::string>();
        m.told_to_stop = j.at("told_to_stop").get<bool>();
        m.handed_over_at = j.at("handed_over_at").get<std::int64_t>();
        r->members.push_back(std::move(m));
      }
      check_restored(*r);
      const auto campaign =
          scenario::parse_campaign_with_data(r->campaign_text, r->source_file, r->data_text);
      engine::run_options options;
      options.threads = r->total_workers;
      options.resolve = false;
      r->recorder = std::make_unique<engine::run_recorder>(
          engine::run_plan::build(campaign, options), r->total_workers, db_, id,
          [](const std::string& m) { std::cerr << "stampede controller: warning: " << m << "\n"; });
      r->recorder->set_start_unix_ms(r->start_at_ms);
      const bool degraded = state.at("degraded").get<bool>();
      for (const auto& e : state.at("events")) {
        r->recorder->add_event(e.get<std::string>(), degraded);
      }
      // Every report taken before the restart, merged again: the same intervals, stored again
      // over themselves, and the same totals.
      std::size_t replayed = 0;
      for (const auto& bytes : db_.agent_reports(id)) {
        v1::IntervalReport wire;
        if (!wire.ParseFromString(bytes)) {
          continue;
        }
        if (auto report = from_wire(wire, r->recorder->plan().layout)) {
          on_completed(*r, r->recorder->add(std::move(*report)));
          ++replayed;
        }
      }
      std::cerr << fmt::format(
          "stampede controller: run {} ({}) goes on: {} reports replayed, waiting for its "
          "agents to reconnect\n",
          id, r->campaign, replayed);
      notice(*r, fmt::format("{} the controller restarted; the run goes on",
                             local_time_text(unix_ms(), false)));
      for (const auto& m : r->members) {  // only once the run is known to go on
        if (m.state == "running") {
          agents_.assign(m.name, fmt::format("run {}", id));
        }
      }
      runs_[id] = std::move(r);
    } catch (const std::exception& e) {
      // A damaged or foreign database: the run is ended as failed, the controller goes on.
      std::cerr << fmt::format(
          "stampede controller: run {} cannot go on after the restart: {}: its stored state in "
          "{} is damaged\n",
          id, e.what(), db_.path());
      try {
        db_.finish_run(id, unix_ms(), "failed", 1, "");
      } catch (const std::exception&) {
      }
    }
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
  if (policy == scenario::agent_loss_policy::rebalance && (survivors.empty() || r.stop_sent)) {
    policy = scenario::agent_loss_policy::continue_;  // nobody left to take it over
  }
  std::vector<member> takeovers;
  std::string what;
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
    what = "the run goes on without its share";
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
  return msg;
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

void run_manager::notice(run& r, const std::string& text) {
  v1::RunEvent e;
  e.set_notice(text);
  r.log.push_back(std::move(e));
  changed_.notify_all();
}

void run_manager::finish_if_done(run& r) {
  if (r.finished) {
    return;
  }
  const bool any_running = std::any_of(r.members.begin(), r.members.end(),
                                       [](const member& m) { return m.state == "running"; });
  if (!any_running || r.recorder->all_finished()) {
    finish(r);
  }
}

void run_manager::finish(run& r) {
  const bool all_failed = std::all_of(r.members.begin(), r.members.end(),
                                      [](const member& m) { return m.state == "failed"; });
  if (all_failed || !r.failure.empty()) {
    r.status = "failed";
  } else if (r.status == "running") {
    r.status = "completed";
  }
  const double duration_s =
      std::max(0.0, static_cast<double>(core::steady_ms() - r.start_at_steady_ms) / 1000.0);
  const auto outcome = r.recorder->finish(r.status, all_failed || r.cut_short || !r.failure.empty(),
                                          r.interrupted, duration_s);
  try {
    db_.drop_agent_reports(r.id);  // the stored intervals hold all of it now
  } catch (const std::exception& e) {
    std::cerr << "stampede controller: " << e.what() << "\n";
  }
  for (const auto& m : r.members) {
    if (const auto* a = agents_.find(m.name);
        a != nullptr && a->assignment == fmt::format("run {}", r.id)) {
      agents_.assign(m.name, "");
    }
  }
  auto done = info(r);
  done.set_status(r.status);
  done.set_ended_at_ms(unix_ms());
  done.set_exit_code(outcome.exit_code);
  done.set_summary_json(nlohmann::json(outcome.summary).dump());
  r.finished = done;
  v1::RunEvent e;
  *e.mutable_finished() = done;
  r.log.push_back(std::move(e));
  std::cerr << fmt::format("stampede controller: run {} {} (exit code {})\n", r.id, r.status,
                           outcome.exit_code);
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

v1::RunInfo run_manager::info(const run& r) const {
  v1::RunInfo out;
  out.set_run_id(r.id);
  out.set_campaign(r.campaign);
  out.set_status(r.finished ? r.finished->status() : "running");
  out.set_started_at_ms(r.started_at_ms);
  out.set_exit_code(-1);
  out.set_command(r.command);
  out.set_campaign_text(r.campaign_text);
  out.set_degraded(r.recorder->degraded());
  for (const auto& e : r.recorder->events()) {
    out.add_events(e);
  }
  for (const auto& m : r.members) {
    auto* a = out.add_agents();
    a->set_name(m.name);
    a->set_first_worker(m.first_worker);
    a->set_workers(m.workers);
    a->set_state(m.state);
    if (const auto it = clocks_.find(m.name); it != clocks_.end()) {
      a->set_clock_offset_ms(it->second.first);
    }
  }
  out.set_total_s(std::chrono::duration<double>(r.recorder->plan().total_length).count());
  const auto& totals = r.recorder->merger().totals();
  out.set_requests(totals.requests);
  out.set_failed(totals.requests_failed);
  std::int64_t intervals = 0;
  for (const auto& e : r.log) {
    intervals += e.has_progress() ? 1 : 0;
  }
  out.set_intervals(intervals);
  return out;
}

v1::RunInfo run_manager::info(const storage::run_record& rec) const {
  v1::RunInfo out;
  out.set_run_id(rec.id);
  out.set_campaign(rec.name);
  out.set_status(rec.status);
  out.set_started_at_ms(rec.started_at_ms);
  out.set_ended_at_ms(rec.ended_at_ms);
  out.set_exit_code(rec.exit_code);
  out.set_command(rec.command);
  out.set_campaign_text(rec.campaign_text);
  out.set_summary_json(rec.summary_json);
  if (!rec.summary_json.empty()) {
    const auto j = nlohmann::json::parse(rec.summary_json, nullptr, false);
    if (!j.is_discarded()) {
      metrics::summary s;
      metrics::from_json(j, s);
      out.set_degraded(s.degraded);
      for (const auto& e : s.events) {
        out.add_events(e);
      }
      out.set_requests(s.requests_total);
      out.set_failed(s.requests_failed);
    }
  }
  return out;
}

}  // namespace stampede::control

// SPDX-License-Identifier: Apache-2.0
// What of the controller's runs survives its restart: each run's state written as it changes,
// read back, checked and rebuilt (its reports replayed) when the controller starts again.
#include "control/run_manager.hpp"

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "control/report_codec.hpp"
#include "core/unix_time.hpp"
#include "scenario/campaign_parser.hpp"

namespace stampede::control {
namespace {

using core::local_time_text;
using core::unix_ms;

/// After a controller restart, how long agents have to reconnect before they count as lost.
constexpr std::int64_t reconnect_grace_ms = 10'000;
/// More workers than any fleet runs: a restored state claiming more is damaged.
constexpr std::uint32_t max_restored_workers = 1u << 20;

}  // namespace

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
  nlohmann::json aborted_by;  // null: no abort_on_fail threshold has stopped the run
  if (const auto& a = r.recorder->aborted_by()) {
    aborted_by = {{"index", a->index},
                  {"expression", a->result.expression},
                  {"actual", a->result.actual.value_or(0)},
                  {"seconds", a->seconds}};
  }
  // Whether the run has parameters; their values are never written.
  const bool has_parameters = !r.parameters.empty() || !r.target.empty() || r.parameters_lost;
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
                                {"aborted_by", aborted_by},
                                {"run_parameters", has_parameters},
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
      r->parameters_lost = state.value("run_parameters", false);
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
      // Without its parameters' values: the plan rebuilt here merges and checks the agents'
      // reports, whose layout the campaign as written decides; the agents keep the values.
      const auto campaign = scenario::parse_campaign_with_data(
          r->campaign_text, r->source_file, r->data_text, scenario::run_parameters::values_later());
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
      if (const auto a = state.value("aborted_by", nlohmann::json()); a.is_object()) {
        engine::threshold_abort restored;
        restored.index = a.at("index").get<std::size_t>();
        restored.result = {a.at("expression").get<std::string>(), false,
                           a.at("actual").get<double>()};
        restored.seconds = a.at("seconds").get<std::int64_t>();
        r->recorder->restore_abort(std::move(restored));
      }
      // Every report taken before the restart, merged again: the same intervals, stored again
      // over themselves, and the same totals.
      std::size_t replayed = 0;
      for (const auto& kept : db_.agent_reports(id)) {
        v1::IntervalReport wire;
        if (!wire.ParseFromString(kept.bytes)) {
          continue;
        }
        if (auto report = from_wire(wire, r->recorder->plan().layout)) {
          const bool ends = ends_agent(*r, kept.agent, *report);
          on_completed(*r, r->recorder->add(std::move(*report), kept.agent, ends));
          ++replayed;
        }
      }
      // The monitors' samples from now on (those of the seconds before the restart went with
      // the controller that had them).
      r->recorder->monitor(std::make_shared<hub_source>(monitors_, r->start_at_ms));
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

}  // namespace stampede::control

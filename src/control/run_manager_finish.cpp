// SPDX-License-Identifier: Apache-2.0
// How a distributed run ends (its summary built, stored and sent to whoever watches) and how a
// run is described to the CLI and the web UI.
#include "control/run_manager.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/unix_time.hpp"
#include "metrics/summary.hpp"

namespace stampede::control {

using core::unix_ms;

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

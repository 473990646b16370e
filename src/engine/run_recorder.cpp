// SPDX-License-Identifier: Apache-2.0
#include "engine/run_recorder.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/unix_time.hpp"
#include "engine/thresholds.hpp"
#include "metrics/metric_set_codec.hpp"

namespace stampede::engine {

run_recorder::run_recorder(std::shared_ptr<const run_plan> plan, std::uint32_t workers,
                           storage::results_db* db, const storage::run_record& record,
                           warning_sink warn)
    : plan_(std::move(plan)),
      merger_(plan_->layout, workers),
      db_(db),
      warn_(std::move(warn)),
      start_unix_ms_(core::unix_ms()) {
  if (db_ == nullptr) {
    return;
  }
  try {
    run_id_ = db_->begin_run(record);
  } catch (const std::exception& e) {
    warn_(fmt::format("results will not be stored: {}", e.what()));
    db_ = nullptr;
  }
}

run_recorder::run_recorder(std::shared_ptr<const run_plan> plan, std::uint32_t workers,
                           storage::results_db& db, std::int64_t run_id, warning_sink warn)
    : plan_(std::move(plan)),
      merger_(plan_->layout, workers),
      db_(&db),
      warn_(std::move(warn)),
      run_id_(run_id),
      start_unix_ms_(core::unix_ms()) {}

std::vector<completed_interval> run_recorder::add(interval_report report) {
  auto done = merger_.add(std::move(report));
  for (const auto& c : done) {
    tally(c);
    store(c);
  }
  return done;
}

std::vector<completed_interval> run_recorder::retire(std::uint32_t worker) {
  auto done = merger_.retire(worker);
  for (const auto& c : done) {
    tally(c);
    store(c);
  }
  return done;
}

void run_recorder::tally(const completed_interval& c) {
  if (c.phase != tallied_phase_) {
    tallied_phase_ = c.phase;
    phase_iterations_ = 0;
  }
  phase_iterations_ += c.merged.iterations_started;
}

void run_recorder::store(const completed_interval& c) {
  if (db_ == nullptr) {
    return;
  }
  try {
    auto encoded = metrics::encode(c.merged);
    storage::interval_record rec;
    rec.run_id = run_id_;
    rec.index = c.index;
    rec.started_at_ms = start_unix_ms_ + c.index * 1000;
    rec.metrics_json = encoded.counters.dump();
    rec.histograms = std::move(encoded.histograms);
    // Per-message delivery tables are for merging, not for the stored timeline.
    std::erase_if(rec.histograms, [](const auto& h) { return h.first == "push_pending"; });
    db_->add_interval(rec);
  } catch (const std::exception& e) {
    warn_(fmt::format("storing interval {} failed: {}", c.index, e.what()));
  }
}

progress_state run_recorder::progress(const completed_interval& c) const {
  progress_state ps;
  const auto& phase = plan_->phases.at(std::min(c.phase, plan_->phases.size() - 1));
  ps.phase = phase.name;
  ps.elapsed_s = static_cast<double>(c.index + 1);
  ps.total_s =
      phase.ends_by_iterations ? 0 : std::chrono::duration<double>(plan_->total_length).count();
  if (phase.ends_by_iterations && phase.iterations > 0) {
    ps.iterations_total = phase.iterations;
    ps.iterations_done = std::min(phase_iterations_, phase.iterations);
  }
  if (ps.total_s > 0) {
    // The last interval may end after the plan, while requests in flight finish.
    ps.elapsed_s = std::min(ps.elapsed_s, ps.total_s);
  }
  ps.users = c.merged.active_users;
  ps.connections = c.merged.active_connections;
  ps.rps = static_cast<double>(c.merged.requests);
  if (!c.merged.latency.empty()) {
    ps.p50_ms = static_cast<double>(c.merged.latency.value_at_percentile(50)) / 1000.0;
    ps.p99_ms = static_cast<double>(c.merged.latency.value_at_percentile(99)) / 1000.0;
  }
  ps.requests = merger_.totals().requests;
  ps.failed = merger_.totals().requests_failed;
  return ps;
}

run_outcome run_recorder::finish(const std::string& status, bool failed, bool interrupted,
                                 double duration_s) {
  for (const auto& c : merger_.drain()) {
    store(c);
  }
  run_outcome outcome;
  outcome.summary =
      metrics::summary::build(merger_.totals(), plan_->layout, std::max(0.0, duration_s));
  outcome.summary.name = plan_->campaign.name;
  outcome.summary.status = status;
  outcome.summary.started_at_ms = start_unix_ms_;
  outcome.summary.degraded = degraded_;
  outcome.summary.events = events_;
  evaluate_thresholds(plan_->campaign.thresholds, outcome.summary);
  // 105 is k6's code for a run stopped from outside: a cancelled CI job must not look green.
  outcome.exit_code = failed ? 1 : interrupted ? 105 : !outcome.summary.thresholds_ok() ? 99 : 0;
  if (db_ != nullptr) {
    try {
      db_->finish_run(run_id_, core::unix_ms(), status, outcome.exit_code,
                      nlohmann::json(outcome.summary).dump());
      outcome.run_id = run_id_;
    } catch (const std::exception& e) {
      warn_(fmt::format("storing the summary failed: {}", e.what()));
    }
  }
  return outcome;
}

}  // namespace stampede::engine

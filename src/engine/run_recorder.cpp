// SPDX-License-Identifier: Apache-2.0
#include "engine/run_recorder.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/unix_time.hpp"
#include "engine/thresholds.hpp"
#include "metrics/metric_set_codec.hpp"
#include "metrics/summary_report.hpp"

namespace stampede::engine {

run_recorder::run_recorder(std::shared_ptr<const run_plan> plan, std::uint32_t workers,
                           storage::results_db* db, const storage::run_record& record,
                           warning_sink warn)
    : plan_(std::move(plan)),
      merger_(plan_->layout, workers),
      db_(db),
      warn_(std::move(warn)),
      start_unix_ms_(core::unix_ms()),
      abort_thresholds_(plan_->campaign.thresholds) {
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
      start_unix_ms_(core::unix_ms()),
      abort_thresholds_(plan_->campaign.thresholds) {}

std::vector<completed_interval> run_recorder::add(interval_report report, const std::string& source,
                                                  bool source_ends) {
  if (report.final) {
    // Where the worker's load ended, on this clock: the report's arrival less its drain.
    const auto load_end = std::chrono::steady_clock::now() -
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(report.drain_s));
    latest_load_end_ = std::max(latest_load_end_.value_or(load_end), load_end);
  }
  auto done = merger_.add(std::move(report), source, source_ends);
  note_merged(done);
  return done;
}

std::vector<completed_interval> run_recorder::retire(std::uint32_t worker) {
  auto done = merger_.retire(worker);
  note_merged(done);
  return done;
}

void run_recorder::observe(std::shared_ptr<interval_observer> observer) {
  observer_ = std::move(observer);
  if (observer_) {
    observer_->on_start(*plan_, run_id_, start_unix_ms_);
  }
}

void run_recorder::note_merged(std::vector<completed_interval>& done) {
  for (auto& c : done) {
    if (sut_source_) {
      c.sut = sut_source_->take(c.index);
      for (const auto& [name, values] : c.sut) {
        sut_[name].add(values);
      }
    }
    tally(c);
    store(c);
    merged_seconds_ = std::max(merged_seconds_, c.index + 1);
    if (observer_) {
      observer_->on_interval(c);
    }
  }
}

std::optional<threshold_abort> run_recorder::check_abort() {
  if (aborted_by_) {
    return std::nullopt;
  }
  abort_thresholds::sut_so_far sut;
  for (const auto& [name, seconds] : sut_) {
    sut[name] = seconds.figures();
  }
  auto failed = abort_thresholds_.check(merger_.totals(), plan_->layout, merged_seconds_, sut);
  if (failed) {
    aborted_by_ = failed;
    add_event(fmt::format("{} the run was aborted by threshold '{}': it failed after {}s (actual "
                          "{})",
                          core::local_time_text(core::unix_ms(), false), failed->result.expression,
                          failed->seconds,
                          metrics::format_threshold_value(failed->result.expression,
                                                          *failed->result.actual)),
              false);
  }
  return failed;
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
    // The phase the second ended in, for the report's phase marks.
    encoded.counters["phase"] = plan_->phases.at(std::min(c.phase, plan_->phases.size() - 1)).name;
    // A distributed run's seconds say what each agent added: the report's per-agent chart.
    for (const auto& [name, share] : c.sources) {
      auto& a = encoded.counters["agents"][name];
      a = {{"requests", share.requests}, {"failed", share.failed}};
      if (share.ended) {
        a["ended"] = true;
      }
    }
    if (!c.sut.empty()) {
      encoded.counters["sut"] = c.sut;
    }
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
  // Phases that end by iterations end when they do: the run's length is known only without
  // them.
  const bool timed = std::none_of(plan_->phases.begin(), plan_->phases.end(),
                                  [](const phase_plan& p) { return p.ends_by_iterations; });
  ps.total_s = timed ? std::chrono::duration<double>(plan_->total_length).count() : 0;
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
  auto rest = merger_.drain();
  note_merged(rest);
  run_outcome outcome;
  outcome.summary =
      metrics::summary::build(merger_.totals(), plan_->layout, std::max(0.0, duration_s));
  // The load ran until the last worker's graceful stop began; the run ends after the rest.
  double graceful_stop_s = 0;
  if (latest_load_end_) {
    graceful_stop_s = std::max(
        0.0, std::chrono::duration<double>(std::chrono::steady_clock::now() - *latest_load_end_)
                 .count());
  }
  outcome.summary.graceful_stop_s = std::min(graceful_stop_s, outcome.summary.duration_s);
  outcome.summary.load_s = outcome.summary.duration_s - outcome.summary.graceful_stop_s;
  outcome.summary.name = plan_->campaign.name;
  outcome.summary.status = status;
  outcome.summary.started_at_ms = start_unix_ms_;
  outcome.summary.degraded = degraded_;
  outcome.summary.events = events_;
  for (const auto& [name, seconds] : sut_) {
    outcome.summary.sut[name] = seconds.figures();
  }
  if (observer_) {
    observer_->on_finish(outcome.summary);  // what the outputs sent, dropped and failed
  }
  evaluate_thresholds(plan_->campaign.thresholds, outcome.summary);
  if (aborted_by_ && aborted_by_->index < outcome.summary.thresholds.size()) {
    // Shown as it stood when it stopped the run: the requests cut short since may have moved
    // the final value, but not what the gate decided.
    outcome.summary.thresholds[aborted_by_->index] = aborted_by_->result;
  }
  // 105 is k6's code for a run stopped from outside: a cancelled CI job must not look green.
  outcome.exit_code = failed                             ? 1
                      : aborted_by_                      ? 99
                      : interrupted                      ? 105
                      : !outcome.summary.thresholds_ok() ? 99
                                                         : 0;
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

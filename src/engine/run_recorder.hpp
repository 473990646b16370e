// SPDX-License-Identifier: Apache-2.0
// What every run does with its workers' reports, wherever the workers are: merges them
// exactly, stores each completed second, and at the end builds the summary, evaluates the
// thresholds and stores it. A local run and the controller's distributed runs share it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/interval_merger.hpp"
#include "engine/interval_observer.hpp"
#include "engine/progress_line.hpp"
#include "engine/run_plan.hpp"
#include "engine/sut_source.hpp"
#include "engine/threshold_abort.hpp"
#include "metrics/summary.hpp"
#include "storage/results_db.hpp"

namespace stampede::engine {

struct run_outcome {
  metrics::summary summary;
  int exit_code = 0;  ///< 0 ok, 99 a threshold failed, 1 runtime failure
  std::optional<std::int64_t> run_id;
};

/// Thread-safety: none; one thread (or one lock) feeds it.
class run_recorder {
 public:
  /// Storage problems are reported here and never stop the run.
  using warning_sink = std::function<void(const std::string&)>;

  /// `db` may be null: nothing is stored. Otherwise `record` begins a run in it; a database
  /// that refuses it is warned about and the run goes on unstored.
  run_recorder(std::shared_ptr<const run_plan> plan, std::uint32_t workers, storage::results_db* db,
               const storage::run_record& record, warning_sink warn);

  /// Goes on recording run `run_id`, already in `db` (a controller restarted mid-run).
  run_recorder(std::shared_ptr<const run_plan> plan, std::uint32_t workers, storage::results_db& db,
               std::int64_t run_id, warning_sink warn);

  /// 0 when the run is not stored.
  std::int64_t run_id() const { return run_id_; }
  const run_plan& plan() const { return *plan_; }
  /// The unix time of interval 0's start, for the stored intervals' timestamps.
  void set_start_unix_ms(std::int64_t ms) { start_unix_ms_ = ms; }
  /// Shows `observer` every second from now on, and the summary before it is stored (after
  /// set_start_unix_ms(): it is told when interval 0 begins).
  void observe(std::shared_ptr<interval_observer> observer);
  /// Takes the system under test's samples from `source` each second from now on: stored with
  /// the second, shown to the observer, folded into the summary's `sut`.
  void monitor(std::shared_ptr<sut_source> source) {
    sut_source_ = std::move(source);
    if (sut_source_) {
      sut_source_->begin();
    }
  }

  /// Merges one report (from `source`, an agent, if named; see interval_merger::add); returns
  /// the intervals it completed, already stored.
  std::vector<completed_interval> add(interval_report report, const std::string& source = {},
                                      bool source_ends = false);
  /// A worker that will not report again; see interval_merger::retire.
  std::vector<completed_interval> retire(std::uint32_t worker);
  bool all_finished() const { return merger_.all_finished(); }
  const interval_merger& merger() const { return merger_; }

  /// Something that happened to the run, for the summary's `events`; `degrading` also marks
  /// the run degraded (an agent lost).
  void add_event(std::string text, bool degrading) {
    events_.push_back(std::move(text));
    degraded_ = degraded_ || degrading;
  }
  const std::vector<std::string>& events() const { return events_; }
  bool degraded() const { return degraded_; }

  /// Checks the campaign's abort_on_fail thresholds on the totals so far (after add() or
  /// retire()). The first time one fails it is recorded (the summary shows it failed as it
  /// stood then, and an event says it aborted the run) and returned, for the caller to stop
  /// the run; nullopt otherwise, and ever after.
  std::optional<threshold_abort> check_abort();
  const std::optional<threshold_abort>& aborted_by() const { return aborted_by_; }
  /// The abort recorded before a controller restart (its event is among the restored ones).
  void restore_abort(threshold_abort a) { aborted_by_ = std::move(a); }

  /// The live line's numbers after interval `c`.
  progress_state progress(const completed_interval& c) const;

  /// Completes what is pending, then builds, evaluates and stores the summary. Ends the run:
  /// exit 1 when `failed`, else 99 when an abort_on_fail threshold stopped it, else 105 when
  /// `interrupted` (stopped from outside: Ctrl-C, SIGTERM, `stampede stop`), else 99 when a
  /// threshold failed, else 0.
  run_outcome finish(const std::string& status, bool failed, bool interrupted, double duration_s);

 private:
  void store(const completed_interval& c);
  /// Counts the iterations begun in the phase the intervals are in, for the live line.
  void tally(const completed_interval& c);
  void note_merged(std::vector<completed_interval>& done);

  std::shared_ptr<const run_plan> plan_;
  interval_merger merger_;
  storage::results_db* db_;
  warning_sink warn_;
  std::int64_t run_id_ = 0;
  std::int64_t start_unix_ms_ = 0;
  std::vector<std::string> events_;
  bool degraded_ = false;
  std::size_t tallied_phase_ = 0;
  std::uint64_t phase_iterations_ = 0;
  abort_thresholds abort_thresholds_;
  /// The latest end of a worker's load (its final report less its graceful stop).
  std::optional<std::chrono::steady_clock::time_point> latest_load_end_;
  std::int64_t merged_seconds_ = 0;  ///< intervals [0, this) are in the totals
  std::optional<threshold_abort> aborted_by_;
  std::shared_ptr<interval_observer> observer_;
  std::shared_ptr<sut_source> sut_source_;
  std::map<std::string, metrics::sut_accumulator> sut_;  ///< by monitor, over the run
};

}  // namespace stampede::engine

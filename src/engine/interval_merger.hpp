// SPDX-License-Identifier: Apache-2.0
// Merges the per-second reports of many workers (local threads or remote agents) into one
// timeline, exactly: an interval is complete once every worker has reported it or stopped,
// each (worker, interval) is merged once even if it arrives twice, and the run's totals are the
// sum of the completed intervals.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/interval_report.hpp"
#include "engine/sut_source.hpp"
#include "metrics/metric_set.hpp"

namespace stampede::engine {

/// What one source (a distributed run's agent) added to a merged interval.
struct source_share {
  std::uint64_t requests = 0;
  std::uint64_t failed = 0;
  /// The source's last workers stopped in this interval: it reports no later one.
  bool ended = false;
};

struct completed_interval {
  std::int64_t index = 0;
  std::size_t phase = 0;  ///< the latest phase any worker was in
  metrics::metric_set merged;
  /// By source name, for reports added with one: a source absent here never reported the
  /// interval (or its report came too late to count).
  std::map<std::string, source_share> sources;
  /// The system under test during the second, by monitor (set by the run's recorder).
  sut_second sut;
};

/// Thread-safety: none; the controller feeds it from its own thread.
class interval_merger {
 public:
  interval_merger(const metrics::metric_layout& layout, std::uint32_t workers);

  /// Adds one report; returns the intervals it completed, oldest first. A report for an
  /// interval this worker already reported is ignored (counted in duplicates()). A non-empty
  /// `source` counts the report's requests in its interval's `sources` too; `source_ends` says
  /// it is the source's last.
  std::vector<completed_interval> add(interval_report report, const std::string& source = {},
                                      bool source_ends = false);
  /// A worker that will not report again (its agent was lost): intervals stop waiting for it
  /// and its later reports are ignored. Returns the intervals this completes.
  std::vector<completed_interval> retire(std::uint32_t worker);
  /// Completes whatever is pending, whoever has not reported (a run that failed or was cut).
  std::vector<completed_interval> drain();

  bool all_finished() const { return finished_count_ == finished_.size(); }
  bool finished(std::uint32_t worker) const { return finished_.at(worker); }
  /// Intervals below this one were reported by `worker`.
  std::int64_t next_index(std::uint32_t worker) const { return next_index_.at(worker); }
  /// Counters summed and histograms merged over every completed interval; gauges keep the peak.
  const metrics::metric_set& totals() const { return totals_; }
  std::uint64_t duplicates() const { return duplicates_; }

 private:
  struct pending {
    metrics::metric_set merged;
    std::size_t phase = 0;
    std::map<std::string, source_share> sources;
  };
  std::vector<completed_interval> flush(bool everything);

  const metrics::metric_layout& layout_;
  std::vector<std::int64_t> next_index_;  ///< per worker: intervals below it are reported
  std::vector<bool> finished_;
  std::size_t finished_count_ = 0;
  std::map<std::int64_t, pending> pending_;
  metrics::metric_set totals_;
  std::uint64_t duplicates_ = 0;
};

}  // namespace stampede::engine

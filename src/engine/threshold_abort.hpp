// SPDX-License-Identifier: Apache-2.0
// Thresholds with abort_on_fail, checked on a run's merged totals as each second completes,
// so that a run already failing its gate stops instead of loading the target to the end.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metrics/metric_set.hpp"
#include "metrics/summary.hpp"
#include "scenario/campaign.hpp"

namespace stampede::engine {

/// The abort_on_fail threshold that failed, and how it stood then.
struct threshold_abort {
  std::size_t index = 0;             ///< into the campaign's thresholds
  metrics::threshold_result result;  ///< not ok, `actual` as measured then
  std::int64_t seconds = 0;          ///< whole seconds of the run merged when it failed
};

/// Thread-safety: none; the run's recorder calls it on the thread that merges.
class abort_thresholds {
 public:
  explicit abort_thresholds(const std::vector<scenario::threshold>& thresholds)
      : thresholds_(thresholds) {}

  /// The system under test over the seconds so far, by monitor.
  using sut_so_far = std::map<std::string, metrics::sut_figures>;

  /// Checks each abort_on_fail threshold whose delay `seconds` (merged into `totals`) have
  /// reached. The first that fails is returned; one without data yet (no response so far)
  /// waits, since the run may still measure it. Costs a summary build when there is one to
  /// check, nothing otherwise.
  std::optional<threshold_abort> check(const metrics::metric_set& totals,
                                       const metrics::metric_layout& layout, std::int64_t seconds,
                                       const sut_so_far& sut = {}) const;

 private:
  const std::vector<scenario::threshold>& thresholds_;
};

}  // namespace stampede::engine

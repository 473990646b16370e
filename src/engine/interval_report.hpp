// SPDX-License-Identifier: Apache-2.0
// What a worker hands to the controller once a second: the metrics of one interval.
#pragma once

#include <cstdint>
#include <functional>

#include "metrics/metric_set.hpp"

namespace stampede::engine {

struct interval_report {
  std::uint32_t worker = 0;  ///< global worker number within the run
  std::int64_t index = 0;    ///< interval number: seconds since the run start
  bool final = false;        ///< the worker's last report; it has stopped
  std::size_t phase = 0;     ///< phase running when the interval ended
  /// Iterations the worker began in that phase so far (not only in this interval).
  std::uint64_t phase_started = 0;
  /// On a final report: the worker failed (its main loop or reporter threw), and why. The run
  /// then fails (exit 1) with this message; what was recorded is kept.
  std::string fatal;
  /// On a final report: how long the worker's graceful stop took, from the load's end (its
  /// last phase over, or a stop) until its last user was done.
  double drain_s = 0;
  metrics::metric_set metrics;
};

/// Receives reports. Called on the reporting worker's thread: implementations hand the report
/// over to their own thread and return at once.
using report_sink = std::function<void(interval_report)>;

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// What follows a run's merged seconds as they are completed, besides the database: the outputs
// to time-series databases and files. The recorder calls it on its own thread, so an observer
// hands the second over and returns at once.
#pragma once

#include <cstdint>

#include "engine/interval_merger.hpp"
#include "engine/run_plan.hpp"
#include "metrics/summary.hpp"

namespace stampede::engine {

class interval_observer {
 public:
  virtual ~interval_observer() = default;
  /// Before the first second: the run's plan, its stored id (0 when not stored) and the unix
  /// time interval 0 begins.
  virtual void on_start(const run_plan& plan, std::int64_t run_id, std::int64_t start_unix_ms) = 0;
  /// One completed second, merged over every worker.
  virtual void on_interval(const completed_interval& second) = 0;
  /// The run is over: send what is left, within bounds, and add what was sent to `summary`.
  virtual void on_finish(metrics::summary& summary) = 0;
};

}  // namespace stampede::engine

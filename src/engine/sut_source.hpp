// SPDX-License-Identifier: Apache-2.0
// Where a run's samples of the system under test come from: monitors sampled in this process
// (`run --monitor-pid`) or, on the controller, those streamed by `stampede monitor`. The
// recorder asks for each second as it completes it, so the samples sit on the run's timeline.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace stampede::engine {

/// One second's samples, by monitor name: flat keys ("cpu", "rss", ...) and their values.
using sut_second = std::map<std::string, std::map<std::string, double>>;

class sut_source {
 public:
  virtual ~sut_source() = default;
  /// The run begins now: what the first second's rates are measured from.
  virtual void begin() {}
  /// The samples of second `index` of the run, which has just been completed; asked once per
  /// second, oldest first. A monitor without a sample for it is absent.
  virtual sut_second take(std::int64_t index) = 0;
};

}  // namespace stampede::engine

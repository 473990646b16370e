// SPDX-License-Identifier: Apache-2.0
// Durations as the whole microseconds histograms record.
#pragma once

#include <chrono>
#include <cstdint>

namespace stampede::core {

/// `d` in whole microseconds; a negative duration (clocks read out of order) is 0.
inline std::uint64_t to_us(std::chrono::nanoseconds d) {
  return d.count() <= 0 ? 0 : static_cast<std::uint64_t>(d.count() / 1000);
}

}  // namespace stampede::core

// SPDX-License-Identifier: Apache-2.0
// Deadline checks cheap enough to make several times per request.
#pragma once

#include <time.h>

#include <chrono>

namespace stampede::core {

/// now < deadline, read from the coarse clock when that is clearly so: a precise clock read
/// costs more than the rest of such a check. CLOCK_MONOTONIC_COARSE shares steady_clock's
/// origin (CLOCK_MONOTONIC) but ticks only every few milliseconds; within its tick of the
/// deadline the precise clock decides.
inline bool before(std::chrono::steady_clock::time_point deadline) {
  constexpr auto coarse_tick = std::chrono::milliseconds(10);
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  const std::chrono::steady_clock::time_point coarse{std::chrono::seconds(ts.tv_sec) +
                                                     std::chrono::nanoseconds(ts.tv_nsec)};
  if (coarse + coarse_tick < deadline) {
    return true;
  }
  return std::chrono::steady_clock::now() < deadline;
}

}  // namespace stampede::core

// SPDX-License-Identifier: Apache-2.0
// Wall-clock timestamps for records and messages. Durations use the steady clock instead.
#pragma once

#include <chrono>
#include <cstdint>

namespace stampede::core {

/// Milliseconds since the Unix epoch, from the system clock.
inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace stampede::core

// SPDX-License-Identifier: Apache-2.0
// Wall-clock timestamps for records and messages, and the steady milliseconds durations,
// heartbeats and deadlines are measured in.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace stampede::core {

/// Milliseconds since the Unix epoch, from the system clock.
inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Microseconds since the Unix epoch, from the system clock: stamps and events compared across
/// processes and machines.
inline std::int64_t unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Milliseconds on the steady clock: for heartbeats, leases and deadlines, which a step of the
/// wall clock (NTP, a VM resumed) must not move. Comparable within one process only.
inline std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// A wall-clock instant (kept across restarts, sent between machines) placed on the steady
/// clock as it reads now.
inline std::int64_t steady_ms_of_unix(std::int64_t unix_instant_ms) {
  return steady_ms() + (unix_instant_ms - unix_ms());
}

/// `unix_ms` as local time, "2026-11-23 09:15:02" (or "09:15:02" with `date` false).
inline std::string local_time_text(std::int64_t unix_ms, bool date = true) {
  const auto t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
  return buf;
}

}  // namespace stampede::core

// SPDX-License-Identifier: Apache-2.0
// How far the controller's clock is from ours, NTP-style: each heartbeat acknowledgement gives
// an offset (controller time - the midpoint of our send and receive) and a round trip; the
// sample with the shortest round trip among the recent ones is the most trustworthy.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>

namespace stampede::control {

class clock_estimator {
 public:
  struct estimate {
    std::int64_t offset_ms = 0;  ///< controller clock - our clock
    std::int64_t round_trip_ms = 0;
  };

  /// We sent at `sent_ms` and received at `received_ms` (our clock) a message the controller
  /// stamped `controller_ms`.
  void add(std::int64_t sent_ms, std::int64_t controller_ms, std::int64_t received_ms) {
    const auto round_trip = std::max<std::int64_t>(0, received_ms - sent_ms);
    samples_.push_back({controller_ms - (sent_ms + received_ms) / 2, round_trip});
    if (samples_.size() > window) {
      samples_.pop_front();
    }
  }

  std::optional<estimate> best() const {
    if (samples_.empty()) {
      return std::nullopt;
    }
    return *std::min_element(
        samples_.begin(), samples_.end(),
        [](const estimate& a, const estimate& b) { return a.round_trip_ms < b.round_trip_ms; });
  }

 private:
  static constexpr std::size_t window = 16;
  std::deque<estimate> samples_;
};

}  // namespace stampede::control

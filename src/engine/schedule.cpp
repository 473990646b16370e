// SPDX-License-Identifier: Apache-2.0
#include "engine/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace stampede::engine {

rate_schedule::rate_schedule(double start_rate, double end_rate, std::chrono::nanoseconds length)
    : r0_(start_rate), r1_(end_rate), length_s_(std::chrono::duration<double>(length).count()) {
  const double expected = (r0_ + r1_) / 2.0 * length_s_;
  // Event k exists when its time is strictly before the end: k < expected. Guard against the
  // floating point noise of an exact product (100/s for 6 s must be exactly 600 events).
  const double rounded = std::round(expected);
  const double count = std::abs(expected - rounded) < 1e-9 ? rounded : std::ceil(expected);
  total_ = count > 0 ? static_cast<std::uint64_t>(count) : 0;
}

std::optional<std::chrono::nanoseconds> rate_schedule::time_of(std::uint64_t k) const {
  if (k >= total_) {
    return std::nullopt;
  }
  const double kd = static_cast<double>(k);
  double t = 0;
  const double a = (r1_ - r0_) / (2.0 * length_s_);
  if (std::abs(a) < 1e-12) {
    t = kd / r0_;
  } else {
    // Cumulative count N(t) = r0 t + a t^2; solve N(t) = k for the root in [0, length].
    const double disc = r0_ * r0_ + 4.0 * a * kd;
    t = (-r0_ + std::sqrt(std::max(0.0, disc))) / (2.0 * a);
  }
  t = std::clamp(t, 0.0, length_s_);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(t * 1e9));
}

std::vector<std::chrono::nanoseconds> slice_dispatcher::take_due(std::chrono::nanoseconds now) {
  std::vector<std::chrono::nanoseconds> due;
  while (auto t = schedule_.time_of(next_k_)) {
    if (*t > now) {
      break;
    }
    due.push_back(*t);
    next_k_ += slice_.stride;
  }
  return due;
}

std::optional<std::chrono::nanoseconds> slice_dispatcher::take_next() {
  auto t = schedule_.time_of(next_k_);
  if (t) {
    next_k_ += slice_.stride;
  }
  return t;
}

std::uint64_t slice_dispatcher::skip_before(std::chrono::nanoseconds t) {
  std::uint64_t skipped = 0;
  while (auto due = schedule_.time_of(next_k_)) {
    if (*due >= t) {
      break;
    }
    next_k_ += slice_.stride;
    ++skipped;
  }
  return skipped;
}

std::uint64_t split_count(std::uint64_t total, std::uint64_t parts, std::uint64_t index) {
  return total / parts + (index < total % parts ? 1 : 0);
}

std::chrono::nanoseconds ramp_start(std::uint64_t k, std::uint64_t n,
                                    std::chrono::nanoseconds ramp) {
  if (n == 0) {
    return std::chrono::nanoseconds(0);
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(
      static_cast<double>(ramp.count()) * static_cast<double>(k) / static_cast<double>(n)));
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// The global schedule of a phase and the exact slices of it each worker (or agent) runs.
//
// Arrivals (open model) and sends (constant throughput) are numbered k = 0, 1, 2, ... on one
// global timeline. A slice {offset, stride} owns every k with k % stride == offset, so slices
// of one split never overlap and together hold every event: the sum of the workers' schedules is
// the campaign's schedule. Slices nest: worker w of W inside slice {o, s} is {o + s*w, s*W}.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace stampede::engine {

struct slice {
  std::uint64_t offset = 0;
  std::uint64_t stride = 1;

  /// The `index`-th of `count` sub-slices of this slice.
  slice nested(std::uint64_t index, std::uint64_t count) const {
    return {offset + stride * index, stride * count};
  }
  bool owns(std::uint64_t k) const { return k % stride == offset; }
  /// How many of the first `total` events (k < total) this slice owns.
  std::uint64_t share_of(std::uint64_t total) const {
    return total > offset ? (total - offset + stride - 1) / stride : 0;
  }
};

/// Events at a rate changing linearly from `start_rate` to `end_rate` (per second) over
/// `length`; event k happens when the cumulative count of the rate reaches k (event 0 at 0).
class rate_schedule {
 public:
  rate_schedule(double start_rate, double end_rate, std::chrono::nanoseconds length);

  /// Offset from the phase start of event k; nullopt when it falls at or after the end.
  std::optional<std::chrono::nanoseconds> time_of(std::uint64_t k) const;
  /// Number of events in the whole phase.
  std::uint64_t total() const { return total_; }

 private:
  double r0_;
  double r1_;
  double length_s_;
  std::uint64_t total_;
};

/// Walks one slice of a rate_schedule in order: the arrival scheduler. Pure logic on times
/// given to it, so it is tested on a manual clock; the worker drives it with a steady timer.
class slice_dispatcher {
 public:
  slice_dispatcher(const rate_schedule& schedule, slice s)
      : schedule_(schedule), slice_(s), next_k_(s.offset) {}

  /// When the next owned event is due (offset from the phase start); nullopt when none is left.
  std::optional<std::chrono::nanoseconds> next_due() const { return schedule_.time_of(next_k_); }
  /// Takes every owned event due at or before `now`, returning their due times in order.
  std::vector<std::chrono::nanoseconds> take_due(std::chrono::nanoseconds now);
  /// Takes the next owned event whatever the time (constant throughput: a connection asks for
  /// its next send time). nullopt when the schedule is exhausted.
  std::optional<std::chrono::nanoseconds> take_next();
  /// Drops the owned events due before `t` without dispatching them: a worker that takes over
  /// a lost agent's share mid-phase runs the schedule from the takeover on. Returns how many.
  std::uint64_t skip_before(std::chrono::nanoseconds t);

 private:
  const rate_schedule& schedule_;
  slice slice_;
  std::uint64_t next_k_;
};

/// Splits `total` into `parts` integers that differ by at most one and add up to `total`;
/// part i gets the extra unit when i < total % parts.
std::uint64_t split_count(std::uint64_t total, std::uint64_t parts, std::uint64_t index);

/// When user k of n (global index) starts during a linear ramp of `ramp`.
std::chrono::nanoseconds ramp_start(std::uint64_t k, std::uint64_t n,
                                    std::chrono::nanoseconds ramp);

}  // namespace stampede::engine

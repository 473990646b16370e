// SPDX-License-Identifier: Apache-2.0
// When each user of a closed population takes part: consecutive closed phases are one
// population whose size changes from phase to phase, as k6's stages are.
//
// A phase of n users after one of b starts from the b users already there: users k < min(b, n)
// go on at once; with n > b, users b..n-1 join over the phase's ramp; with n < b, users
// n..b-1 leave over it, the highest first, so that n are left when the ramp ends.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace stampede::engine {

/// One phase of a population, as offsets from the run's start.
struct population_stage {
  std::chrono::nanoseconds start{};
  std::chrono::nanoseconds length{};
  std::uint64_t users_before = 0;  ///< the population it starts from; 0 for a new one
  std::uint64_t users = 0;
  std::chrono::nanoseconds ramp{};  ///< 0: the change happens at the phase's start
};

/// The part of one stage a user takes part in, as offsets from the run's start.
struct population_segment {
  std::size_t stage = 0;  ///< into the stages given
  std::chrono::nanoseconds enter{};
  std::chrono::nanoseconds leave{};
  /// The previous segment ends where this one starts: the user goes on without a pause.
  bool continues = false;
};

/// The segments of user `k` (its index in the population, over every worker and agent) in
/// stage order; empty segments are left out.
std::vector<population_segment> user_segments(std::span<const population_stage> stages,
                                              std::uint64_t k);

/// Index of the last segment of the stretch `first` is in (the user's time without a pause).
std::size_t stretch_end(std::span<const population_segment> segments, std::size_t first);

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
#include "engine/schedule.hpp"

#include <gtest/gtest.h>

namespace stampede::engine {
namespace {

using namespace std::chrono_literals;

TEST(RateSchedule, ConstantRateHasExactCountAndSpacing) {
  rate_schedule s(100, 100, 6s);
  EXPECT_EQ(s.total(), 600u);
  EXPECT_EQ(s.time_of(0), 0ns);
  EXPECT_EQ(s.time_of(1), std::chrono::nanoseconds(10ms));
  EXPECT_EQ(s.time_of(599), std::chrono::nanoseconds(5990ms));
  EXPECT_FALSE(s.time_of(600));
}

TEST(RateSchedule, LinearRampMatchesTheIntegralOfTheRate) {
  // 0 -> 100/s over 10 s: N(t) = 5 t^2, so 500 events; event 125 at t = 5 s.
  rate_schedule s(0.0001, 100, 10s);
  EXPECT_EQ(s.total(), 501u);     // the tiny start rate adds a fraction, rounded up
  rate_schedule up(10, 30, 10s);  // N(t) = 10 t + t^2: 200 events, event 24 at t = 2 s
  EXPECT_EQ(up.total(), 200u);
  EXPECT_NEAR(std::chrono::duration<double>(*up.time_of(24)).count(), 2.0, 1e-9);
  rate_schedule down(30, 10, 10s);  // N(t) = 30 t - t^2: event 56 at t = 2 s
  EXPECT_EQ(down.total(), 200u);
  EXPECT_NEAR(std::chrono::duration<double>(*down.time_of(56)).count(), 2.0, 1e-9);
  for (std::uint64_t k = 1; k < up.total(); ++k) {
    EXPECT_GE(*up.time_of(k), *up.time_of(k - 1));
  }
}

TEST(Slice, PartitionsEveryEventExactlyOnce) {
  const slice whole{};
  const std::uint64_t total = 1001;
  std::vector<int> seen(total, 0);
  std::uint64_t shares = 0;
  for (std::uint64_t agent = 0; agent < 3; ++agent) {
    const auto a = whole.nested(agent, 3);
    for (std::uint64_t w = 0; w < 2; ++w) {
      const auto s = a.nested(w, 2);
      shares += s.share_of(total);
      for (std::uint64_t k = 0; k < total; ++k) {
        seen[k] += s.owns(k) ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(shares, total);
  for (auto n : seen) {
    EXPECT_EQ(n, 1);
  }
}

TEST(SliceDispatcher, DispatchesOnAManualClock) {
  rate_schedule s(10, 10, 1s);         // events every 100 ms: 0, 100, ..., 900 ms
  slice_dispatcher d(s, slice{1, 2});  // owns k = 1, 3, 5, 7, 9
  EXPECT_EQ(d.next_due(), std::chrono::nanoseconds(100ms));
  EXPECT_TRUE(d.take_due(50ms).empty());
  auto due = d.take_due(350ms);  // 100 and 300 ms are due
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0], std::chrono::nanoseconds(100ms));
  EXPECT_EQ(due[1], std::chrono::nanoseconds(300ms));
  EXPECT_EQ(d.next_due(), std::chrono::nanoseconds(500ms));
  // A clock that jumps (a stalled thread) gets every missed event at once, none dropped.
  EXPECT_EQ(d.take_due(5s).size(), 3u);
  EXPECT_FALSE(d.next_due());
}

TEST(SliceDispatcher, TakeNextWalksTheSliceRegardlessOfTime) {
  rate_schedule s(1000, 1000, 10ms);   // 10 events
  slice_dispatcher d(s, slice{0, 3});  // k = 0, 3, 6, 9
  int n = 0;
  while (d.take_next()) {
    ++n;
  }
  EXPECT_EQ(n, 4);
}

TEST(SliceDispatcher, SkipBeforeResumesTheScheduleWhereATakeoverBegins) {
  rate_schedule s(10, 10, 1s);          // every 100 ms
  slice_dispatcher d(s, slice{0, 2});   // k = 0, 2, 4, 6, 8: 0, 200, ..., 800 ms
  EXPECT_EQ(d.skip_before(450ms), 3u);  // 0, 200, 400
  EXPECT_EQ(d.next_due(), std::chrono::nanoseconds(600ms));
  EXPECT_EQ(d.skip_before(600ms), 0u);  // an event due at the instant is kept
  const auto due = d.take_due(1s);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0], std::chrono::nanoseconds(600ms));
  EXPECT_EQ(d.skip_before(10s), 0u);
}

TEST(SplitCount, PartsAddUpAndDifferByAtMostOne) {
  for (std::uint64_t total : {0u, 1u, 5u, 7u, 100u}) {
    for (std::uint64_t parts : {1u, 2u, 3u, 8u}) {
      std::uint64_t sum = 0;
      for (std::uint64_t i = 0; i < parts; ++i) {
        const auto n = split_count(total, parts, i);
        EXPECT_LE(n, total / parts + 1);
        EXPECT_GE(n, total / parts);
        sum += n;
      }
      EXPECT_EQ(sum, total);
    }
  }
}

TEST(RampStart, SpreadsUsersLinearly) {
  EXPECT_EQ(ramp_start(0, 10, 10s), 0ns);
  EXPECT_EQ(ramp_start(5, 10, 10s), std::chrono::nanoseconds(5s));
  EXPECT_EQ(ramp_start(9, 10, 10s), std::chrono::nanoseconds(9s));
}

}  // namespace
}  // namespace stampede::engine

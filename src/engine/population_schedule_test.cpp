// SPDX-License-Identifier: Apache-2.0
#include "engine/population_schedule.hpp"

#include <gtest/gtest.h>

namespace stampede::engine {
namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;

// 10 users for 3 s, then 20 with a ramp of 2 s over 4 s.
const population_stage ramp_up[] = {{0s, 3s, 0, 10, 0s}, {3s, 4s, 10, 20, 2s}};

TEST(PopulationSchedule, AUserOfThePreviousPhaseGoesOnWithoutAPause) {
  const auto segs = user_segments(ramp_up, 3);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].enter, ns(0s));
  EXPECT_EQ(segs[0].leave, ns(3s));
  EXPECT_FALSE(segs[0].continues);
  EXPECT_EQ(segs[1].enter, ns(3s));
  EXPECT_EQ(segs[1].leave, ns(7s));
  EXPECT_TRUE(segs[1].continues);
  EXPECT_EQ(stretch_end(segs, 0), 1u);
}

TEST(PopulationSchedule, NewUsersJoinOverTheRampFromThePopulationThere) {
  // Users 10..19 join over 2 s: user 10 at once, user 15 after 1 s.
  const auto first = user_segments(ramp_up, 10);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].stage, 1u);
  EXPECT_EQ(first[0].enter, ns(3s));
  EXPECT_FALSE(first[0].continues);
  const auto mid = user_segments(ramp_up, 15);
  ASSERT_EQ(mid.size(), 1u);
  EXPECT_EQ(mid[0].enter, ns(4s));
  EXPECT_EQ(mid[0].leave, ns(7s));
  EXPECT_TRUE(user_segments(ramp_up, 20).empty());
}

TEST(PopulationSchedule, AFirstPhaseRampsFromNobody) {
  const population_stage one[] = {{0s, 10s, 0, 10, 10s}};
  EXPECT_EQ(user_segments(one, 0)[0].enter, ns(0s));
  EXPECT_EQ(user_segments(one, 5)[0].enter, ns(5s));
  EXPECT_EQ(user_segments(one, 9)[0].enter, ns(9s));
}

TEST(PopulationSchedule, ALowerCountRampsDownTheHighestFirst) {
  // 20 users, then 10 over a ramp of 5 s: user 19 leaves after 0.5 s, user 10 at 5 s.
  const population_stage down[] = {{0s, 2s, 0, 20, 0s}, {2s, 10s, 20, 10, 5s}};
  const auto highest = user_segments(down, 19);
  ASSERT_EQ(highest.size(), 2u);
  EXPECT_TRUE(highest[1].continues);
  EXPECT_EQ(highest[1].leave, ns(2500ms));
  EXPECT_EQ(user_segments(down, 10)[1].leave, ns(7s));
  EXPECT_EQ(user_segments(down, 9)[1].leave, ns(12s));
}

TEST(PopulationSchedule, WithoutARampTheUsersAboveTheCountLeaveAtThePhaseStart) {
  // 20 users, then 2: the 18 above take no part in the second phase.
  const population_stage down[] = {{0s, 2s, 0, 20, 0s}, {2s, 3s, 20, 2, 0s}};
  const auto gone = user_segments(down, 2);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].leave, ns(2s));
  EXPECT_EQ(stretch_end(gone, 0), 0u);
  EXPECT_EQ(user_segments(down, 1).size(), 2u);
}

TEST(PopulationSchedule, AUserAwayForAPhaseComesBackAfterAPause) {
  // 10, then 2, then 10 again: user 5 is away for the middle phase.
  const population_stage dip[] = {{0s, 2s, 0, 10, 0s}, {2s, 2s, 10, 2, 0s}, {4s, 2s, 2, 10, 0s}};
  const auto segs = user_segments(dip, 5);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[1].stage, 2u);
  EXPECT_EQ(segs[1].enter, ns(4s));
  EXPECT_FALSE(segs[1].continues);
  EXPECT_EQ(stretch_end(segs, 0), 0u);
  EXPECT_EQ(stretch_end(segs, 1), 1u);
}

TEST(PopulationSchedule, ARampLongerThanThePhaseEndsWithIt) {
  // Down from 10 to 0 over 20 s in a 10 s phase: the users left at its end leave with it.
  const population_stage slow[] = {{0s, 1s, 0, 10, 0s}, {1s, 10s, 10, 0, 20s}};
  EXPECT_EQ(user_segments(slow, 9)[1].leave, ns(3s));
  EXPECT_EQ(user_segments(slow, 0)[1].leave, ns(11s));
}

}  // namespace
}  // namespace stampede::engine

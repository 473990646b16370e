// SPDX-License-Identifier: Apache-2.0
#include "protocol/http2/stream_table.hpp"

#include <algorithm>
#include <map>
#include <random>

#include <gtest/gtest.h>

namespace stampede::protocol::http2 {
namespace {

TEST(StreamTable, FindsWhatIsInFlightAndNothingElse) {
  stream_table<int> table;
  int a = 1, b = 2;
  table.insert(1, &a);
  table.insert(3, &b);
  EXPECT_EQ(table.find(1), &a);
  EXPECT_EQ(table.find(3), &b);
  EXPECT_EQ(table.find(5), nullptr);
  EXPECT_EQ(table.find(0), nullptr);  // connection-level frames
  EXPECT_EQ(table.size(), 2u);
  table.erase(1);
  EXPECT_EQ(table.find(1), nullptr);
  EXPECT_EQ(table.find(3), &b);
  table.erase(1);  // already gone: nothing changes
  EXPECT_EQ(table.size(), 1u);
  table.erase(3);
  EXPECT_TRUE(table.empty());
}

TEST(StreamTable, AStreamOvertakenByNewerOnesGrowsTheSlots) {
  stream_table<int> table;
  int slow = 0, fast = 0;
  table.insert(1, &slow);
  // 16 slots: stream 33 would share stream 1's slot.
  for (std::int32_t id = 3; id < 33; id += 2) {
    table.insert(id, &fast);
    table.erase(id);
  }
  EXPECT_EQ(table.slot_count(), stream_table<int>::initial_slots);
  table.insert(33, &fast);
  EXPECT_EQ(table.slot_count(), 2 * stream_table<int>::initial_slots);
  EXPECT_EQ(table.find(1), &slow);
  EXPECT_EQ(table.find(33), &fast);
  // Stream 1's old slot-mate under 16 slots is not confused with it under 32.
  EXPECT_EQ(table.find(65), nullptr);
}

TEST(StreamTable, PastTheLargestSizeStreamsWaitInTheOverflow) {
  stream_table<int> table;
  std::vector<int> values(3000);
  // Every stream stays open: 3,000 in flight need more than max_slots.
  for (std::int32_t i = 0; i < 3000; ++i) {
    table.insert(2 * i + 1, &values[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(table.slot_count(), stream_table<int>::max_slots);
  EXPECT_EQ(table.size(), 3000u);
  for (std::int32_t i = 0; i < 3000; ++i) {
    ASSERT_EQ(table.find(2 * i + 1), &values[static_cast<std::size_t>(i)]) << i;
  }
  std::size_t seen = 0;
  table.for_each([&](std::int32_t id, int* v) {
    EXPECT_EQ(v, &values[static_cast<std::size_t>(id / 2)]);
    ++seen;
  });
  EXPECT_EQ(seen, 3000u);
  table.erase(1 + 2 * 1024);  // in the overflow: stream 1 holds its slot
  EXPECT_EQ(table.find(1 + 2 * 1024), nullptr);
  EXPECT_EQ(table.find(1), &values[0]);
  EXPECT_EQ(table.take_all().size(), 2999u);
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.find(1), nullptr);
  EXPECT_EQ(table.find(1 + 2 * 2000), nullptr);
}

TEST(StreamTable, AgreesWithAMapUnderRandomStreamLifetimes) {
  stream_table<int> table;
  std::map<std::int32_t, int*> expected;
  std::vector<int> values(64);
  std::mt19937 rng(7);
  std::int32_t next_id = 1;
  for (int step = 0; step < 200000; ++step) {
    if (expected.size() < 40 && rng() % 2 == 0) {
      auto* v = &values[rng() % values.size()];
      table.insert(next_id, v);
      expected[next_id] = v;
      next_id += 2;
    } else if (!expected.empty()) {
      // Mostly the oldest ends first, sometimes a random one: some streams live long.
      auto it =
          rng() % 4 == 0 ? std::next(expected.begin(), rng() % expected.size()) : expected.begin();
      if (rng() % 50 == 0) {
        it = std::prev(expected.end());
      }
      table.erase(it->first);
      expected.erase(it);
    }
    const auto probe = static_cast<std::int32_t>(rng() % static_cast<std::uint32_t>(next_id + 2));
    const auto found = expected.find(probe);
    ASSERT_EQ(table.find(probe), found == expected.end() ? nullptr : found->second) << probe;
    ASSERT_EQ(table.size(), expected.size());
  }
}

}  // namespace
}  // namespace stampede::protocol::http2

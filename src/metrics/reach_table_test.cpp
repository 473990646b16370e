// SPDX-License-Identifier: Apache-2.0
#include "metrics/reach_table.hpp"

#include <gtest/gtest.h>

namespace stampede::metrics {
namespace {

TEST(ReachTable, BucketsAreExactBelowSixteenAndWithinSixPercentAbove) {
  for (std::uint64_t v = 0; v < 16; ++v) {
    EXPECT_EQ(reach_table::value_of(reach_table::bucket_of(v)), v);
  }
  for (std::uint64_t v :
       {16ULL, 17ULL, 100ULL, 999ULL, 1'000ULL, 123'456ULL, 60'000'000ULL, (1ULL << 62) + 12345}) {
    const auto shown = static_cast<double>(reach_table::value_of(reach_table::bucket_of(v)));
    EXPECT_NEAR(shown, static_cast<double>(v), static_cast<double>(v) * 0.035) << v;
  }
  EXPECT_LT(reach_table::bucket_of(1000), reach_table::bucket_of(1100));
}

TEST(ReachTable, SettlesTheTimeUntilEachShareOfSubscribersHadTheMessage) {
  reach_table t;
  // 100 subscribers got message (1, 1): latencies 1..100 us.
  for (std::uint64_t l = 1; l <= 100; ++l) {
    t.record(1, 1, 5'000, l);
  }
  reach_histograms h;
  t.settle_all(h);
  EXPECT_TRUE(t.empty());
  ASSERT_EQ(h[0].count(), 1u);
  // The 50th, 90th, 99th and 100th deliveries, as their buckets show them.
  EXPECT_EQ(h[0].max(), reach_table::value_of(reach_table::bucket_of(50)));
  EXPECT_EQ(h[1].max(), reach_table::value_of(reach_table::bucket_of(90)));
  EXPECT_EQ(h[2].max(), reach_table::value_of(reach_table::bucket_of(99)));
  EXPECT_EQ(h[3].max(), reach_table::value_of(reach_table::bucket_of(100)));
}

TEST(ReachTable, MergesDeliveriesOfOneMessageFromSeveralWorkers) {
  reach_table a;
  reach_table b;
  a.record(1, 7, 1'000, 10);
  a.record(1, 7, 1'000, 10);
  b.record(1, 7, 1'000, 2);
  b.record(1, 7, 1'000, 3);
  b.record(2, 1, 2'000, 5);
  a.merge(b);
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a.newest_published_us(), 2'000);
  reach_histograms h;
  a.settle_before(1'500, h);  // only (1, 7)
  EXPECT_EQ(a.size(), 1u);
  ASSERT_EQ(h[0].count(), 1u);
  // Four deliveries, 2, 3, 10 and 10 us: half had it at the second one, all at the fourth.
  EXPECT_EQ(h[0].max(), 3u);
  EXPECT_EQ(h[3].max(), 10u);
}

TEST(ReachTable, EncodesAndRejectsDamage) {
  reach_table t;
  t.record(0xffffffffffffULL, 3, 1'700'000'000'000'000, 1234);
  t.record(0xffffffffffffULL, 3, 1'700'000'000'000'000, 99);
  t.record(5, 4, 1'700'000'000'000'001, 1);
  const auto bytes = t.encode();
  const auto back = reach_table::decode(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->size(), 2u);
  EXPECT_EQ(back->newest_published_us(), 1'700'000'000'000'001);
  EXPECT_EQ(back->encode().size(), bytes.size());
  EXPECT_FALSE(reach_table::decode(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(reach_table::decode(bytes + "x"));
  EXPECT_TRUE(reach_table::decode(reach_table().encode()));
}

}  // namespace
}  // namespace stampede::metrics

// SPDX-License-Identifier: Apache-2.0
#include "core/duration_text.hpp"

#include <gtest/gtest.h>

namespace stampede::core {
namespace {

using namespace std::chrono_literals;

TEST(DurationText, ParsesEveryUnit) {
  EXPECT_EQ(parse_duration("250us"), std::chrono::nanoseconds(250us));
  EXPECT_EQ(parse_duration("20ms"), std::chrono::nanoseconds(20ms));
  EXPECT_EQ(parse_duration("2s"), std::chrono::nanoseconds(2s));
  EXPECT_EQ(parse_duration("1.5m"), std::chrono::nanoseconds(90s));
  EXPECT_EQ(parse_duration("1h"), std::chrono::nanoseconds(3600s));
  EXPECT_EQ(parse_duration("3"), std::chrono::nanoseconds(3s));
  EXPECT_EQ(parse_duration(" 0.5s "), std::chrono::nanoseconds(500ms));
}

TEST(DurationText, ParsesCompoundDurationsLargerUnitsFirst) {
  EXPECT_EQ(parse_duration("1m30s"), std::chrono::nanoseconds(90s));
  EXPECT_EQ(parse_duration("1h2m3s"), std::chrono::nanoseconds(3723s));
  EXPECT_EQ(parse_duration("2s500ms"), std::chrono::nanoseconds(2500ms));
  EXPECT_EQ(parse_duration("1m0.5s"), std::chrono::nanoseconds(60500ms));
  EXPECT_FALSE(parse_duration("30s1m"));   // out of order
  EXPECT_FALSE(parse_duration("1s1s"));    // repeated
  EXPECT_FALSE(parse_duration("1m30"));    // a bare number only alone
  EXPECT_FALSE(parse_duration("1m 30s"));  // no spaces inside
  // What format_duration writes reads back.
  EXPECT_EQ(parse_duration(format_duration(90s)), std::chrono::nanoseconds(90s));
}

TEST(DurationText, RejectsMalformedText) {
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("2 seconds"));
  EXPECT_FALSE(parse_duration("2d"));
  EXPECT_FALSE(parse_duration("1e400s"));
}

TEST(DurationText, FormatsForPeople) {
  EXPECT_EQ(format_duration(850us), "850us");
  EXPECT_EQ(format_duration(12300us), "12.3ms");
  EXPECT_EQ(format_duration(2500ms), "2.5s");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(3720s), "1h02m");
}

}  // namespace
}  // namespace stampede::core

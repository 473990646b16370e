// SPDX-License-Identifier: Apache-2.0
#include "scenario/regex.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace stampede::scenario {
namespace {

TEST(Regex, SearchesAndCapturesTheFirstGroupOrTheWholeMatch) {
  const regex id("id=(\\w+)");
  EXPECT_TRUE(id.search("x id=abc123 y"));
  EXPECT_FALSE(id.search("no such thing"));
  EXPECT_EQ(id.capture("x id=abc123 y"), "abc123");
  EXPECT_EQ(id.capture("nothing"), std::nullopt);
  const regex digits("\\d+|none");
  EXPECT_EQ(digits.capture("order 4711 of 5"), "4711");
  EXPECT_EQ(digits.capture("none here"), "none");
  EXPECT_TRUE(regex("^ok \\d+$").search("ok 42"));
  EXPECT_FALSE(regex("^ok \\d+$").search("ok 42 and more"));
}

TEST(Regex, UnsupportedSyntaxIsRefusedWithItsReason) {
  const auto backreference = regex::error_of("(a)\\1");
  ASSERT_TRUE(backreference);
  EXPECT_NE(backreference->find("backreferences and lookaround are not supported"),
            std::string::npos)
      << *backreference;
  const auto lookahead = regex::error_of("a(?=b)");
  ASSERT_TRUE(lookahead);
  EXPECT_NE(lookahead->find("not supported"), std::string::npos) << *lookahead;
  EXPECT_NE(regex::error_of("(")->find("missing )"), std::string::npos);
  EXPECT_EQ(regex::error_of("a+b"), std::nullopt);
  EXPECT_THROW(regex("("), std::invalid_argument);
}

TEST(Regex, LinearTimeOnInputsThatMakeBacktrackersExplode) {
  // (a+)+$ against a's ending in b takes a backtracking engine 2^n steps; RE2 is linear.
  const regex evil("(a+)+$");
  const std::string text = std::string(100'000, 'a') + "b";
  EXPECT_FALSE(evil.search(text));
  // And a large body is searched without recursion (std::regex overflows the stack here).
  const regex any_run("(x|y)*z");
  EXPECT_TRUE(any_run.search(std::string(1'000'000, 'x') + "z"));
}

}  // namespace
}  // namespace stampede::scenario

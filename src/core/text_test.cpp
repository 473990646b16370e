// SPDX-License-Identifier: Apache-2.0
#include "core/text.hpp"

#include "core/percent_decoding.hpp"

#include <gtest/gtest.h>

namespace stampede::core {
namespace {

TEST(Text, IequalsFoldsAsciiLettersOnly) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("chunked", "chunke"));
  EXPECT_FALSE(iequals("chunked", "chunkes"));
  // A bitwise fold would take '@' for '`' and '[' for '{'.
  EXPECT_FALSE(iequals("@", "`"));
  EXPECT_FALSE(iequals("[", "{"));
  EXPECT_FALSE(iequals("\xc3\xa9", "\xc3\x89"));  // é and É: not ASCII, not folded
}

TEST(Text, CaseConversionLeavesOtherBytes) {
  EXPECT_EQ(to_lower("X-Trace-ID: 7"), "x-trace-id: 7");
  EXPECT_EQ(to_upper("get"), "GET");
  EXPECT_EQ(to_upper("p\xc3\xa9"), "P\xc3\xa9");
}

TEST(Text, TrimRemovesOnlyTheGivenCharactersAtTheEnds) {
  EXPECT_EQ(trim("  a b\t"), "a b");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("x"), "x");
  EXPECT_EQ(trim("token\r\n", " \r\n"), "token");
  EXPECT_EQ(trim("\na\n", " "), "\na\n");
}

}  // namespace
TEST(PercentDecoded, EscapesAndPlusesWhereAsked) {
  EXPECT_EQ(percent_decoded("%2Fjson%3Fa%3D1"), "/json?a=1");
  EXPECT_EQ(percent_decoded("a+b"), "a+b");
  EXPECT_EQ(percent_decoded("a+b", true), "a b");
  EXPECT_EQ(percent_decoded("%zz%4"), "%zz%4");  // malformed: kept as written
  EXPECT_EQ(percent_decoded("%41"), "A");
}

}  // namespace stampede::core

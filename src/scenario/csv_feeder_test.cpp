// SPDX-License-Identifier: Apache-2.0
#include "scenario/csv_feeder.hpp"

#include <gtest/gtest.h>

namespace stampede::scenario {
namespace {

using rows = std::vector<std::vector<std::string>>;

/// The exact error text for `text`, or "no error".
std::string error_of(const std::string& text) {
  try {
    parse_csv(text, "u.csv");
  } catch (const campaign_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Csv, HeaderNamesTheColumns) {
  const auto f = parse_csv("user,pass\nalice,one\nbob,two\n", "u.csv");
  EXPECT_EQ(f.file, "u.csv");
  EXPECT_EQ(f.columns, (std::vector<std::string>{"user", "pass"}));
  EXPECT_EQ(f.rows, (rows{{"alice", "one"}, {"bob", "two"}}));
  EXPECT_FALSE(f.random_order);
}

TEST(Csv, QuotedFields) {
  const auto f = parse_csv(
      "a,b\n"
      "\"x,y\",\"say \"\"hi\"\"\"\n"
      "\"multi\nline\",\"\"\n"
      "5\" screen,plain\n",
      "u.csv");
  EXPECT_EQ(f.rows, (rows{{"x,y", "say \"hi\""}, {"multi\nline", ""}, {"5\" screen", "plain"}}));
}

TEST(Csv, CrlfLastLineWithoutBreakAndBlankLines) {
  EXPECT_EQ(parse_csv("a,b\r\n1,2\r\n\r\n3,4", "u.csv").rows, (rows{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(parse_csv("a,b\r\n\"x\r\ny\",\r\n", "u.csv").rows, (rows{{"x\r\ny", ""}}));
  // A line holding just "" is an empty value in a one-column file, not a blank line.
  EXPECT_EQ(parse_csv("a\n\"\"\nz\n", "u.csv").rows, (rows{{""}, {"z"}}));
}

TEST(Csv, ByteOrderMarkAndPaddedHeaderNames) {
  const auto f = parse_csv("\xEF\xBB\xBFuser, pass \nalice, one \n", "u.csv");
  EXPECT_EQ(f.columns, (std::vector<std::string>{"user", "pass"}));
  EXPECT_EQ(f.rows, (rows{{"alice", " one "}}));  // values are kept exactly
}

TEST(Csv, Errors) {
  EXPECT_EQ(error_of("a,b\n1,2\n3\n"),
            "u.csv:3: data: expected 2 fields like the header row, got 1");
  EXPECT_EQ(error_of("a,b\r\n1,2\r\n1,2,3\r\n"),
            "u.csv:3: data: expected 2 fields like the header row, got 3");
  // A quoted line break makes a row span lines; the error names the line the row starts on.
  EXPECT_EQ(error_of("a,b\n\"x\ny\",1\n\"p\nq\"\n"),
            "u.csv:4: data: expected 2 fields like the header row, got 1");
  EXPECT_EQ(error_of(""),
            "u.csv:1: data: the CSV file is empty: expected a header row naming the columns");
  EXPECT_EQ(error_of("\n\r\n"),
            "u.csv:1: data: the CSV file is empty: expected a header row naming the columns");
  EXPECT_EQ(error_of("a,b\n"), "u.csv:1: data: the CSV file has a header row but no data rows");
  EXPECT_EQ(error_of("a,b\n1,2\n\"open,3\n4,5\n"),
            "u.csv:3: data: unterminated quoted field (a quote opened here is never closed)");
  EXPECT_EQ(error_of("a,b\n\"x\"y,1\n"),
            "u.csv:2: data: unexpected text after the closing quote of field 1 (a quote inside a "
            "quoted field is written \"\")");
  EXPECT_EQ(error_of("a,,c\n1,2,3\n"), "u.csv:1: data: column 2 of the header row has no name");
  EXPECT_EQ(error_of("a,b,a\n1,2,3\n"),
            "u.csv:1: data: column 'a' is named twice in the header row");
}

}  // namespace
}  // namespace stampede::scenario

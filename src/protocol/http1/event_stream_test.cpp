// SPDX-License-Identifier: Apache-2.0
#include "protocol/http1/event_stream.hpp"

#include <gtest/gtest.h>

namespace stampede::protocol::http1 {
namespace {

std::vector<std::string> events_of(std::initializer_list<std::string_view> chunks) {
  sse_parser parser;
  std::vector<std::string> events;
  for (const auto chunk : chunks) {
    parser.feed(chunk, events);
  }
  return events;
}

TEST(SseParser, EventsEndAtBlankLines) {
  EXPECT_EQ(events_of({"data: one\n\ndata: two\n\n"}), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(events_of({"data: unfinished\n"}), std::vector<std::string>{});
}

TEST(SseParser, DataLinesJoinWithNewlines) {
  EXPECT_EQ(events_of({"data: a\ndata: b\n\n"}), std::vector<std::string>{"a\nb"});
  EXPECT_EQ(events_of({"data:no space\ndata\n\n"}), std::vector<std::string>{"no space\n"});
}

TEST(SseParser, OtherFieldsAndCommentsAreSkipped) {
  EXPECT_EQ(events_of({": keep-alive\n\nevent: tick\nid: 7\nretry: 100\ndata: x\n\n"}),
            std::vector<std::string>{"x"});
  EXPECT_EQ(events_of({"database: no\ndata: yes\n\n"}), std::vector<std::string>{"yes"});
  // An event without data is no event.
  EXPECT_EQ(events_of({"event: ping\n\n"}), std::vector<std::string>{});
}

TEST(SseParser, CrLfAndSplitReadsAnywhere) {
  EXPECT_EQ(events_of({"data: a\r\n\r\n"}), std::vector<std::string>{"a"});
  EXPECT_EQ(events_of({"da", "ta: hel", "lo\n", "\n", "data: x\r", "\n\r\n"}),
            (std::vector<std::string>{"hello", "x"}));
}

}  // namespace
}  // namespace stampede::protocol::http1

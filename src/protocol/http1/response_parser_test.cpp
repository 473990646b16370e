// SPDX-License-Identifier: Apache-2.0
#include "protocol/http1/response_parser.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace stampede::protocol::http1 {
namespace {

struct collecting_sink final : response_sink {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  void on_header(std::string_view n, std::string_view v) override { headers.emplace_back(n, v); }
  void on_body(std::string_view d) override { body.append(d); }
};

/// Feeds `wire` the way a socket would: in pieces of `step` bytes, keeping unconsumed bytes.
response_parser::status feed(response_parser& p, collecting_sink& sink, std::string_view wire,
                             std::size_t step, std::size_t* leftover = nullptr) {
  std::string buffer;
  std::size_t offset = 0;
  while (offset < wire.size()) {
    buffer.append(wire.substr(offset, step));
    offset += step;
    auto r = p.parse(buffer, sink);
    buffer.erase(0, r.consumed);
    if (r.state != response_parser::status::need_more) {
      if (leftover != nullptr) {
        *leftover = buffer.size() + (offset < wire.size() ? wire.size() - offset : 0);
      }
      return r.state;
    }
  }
  return p.on_eof().state;
}

class ResponseParserSplits : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ResponseParserSplits, ContentLengthBody) {
  response_parser p;
  p.reset();
  collecting_sink sink;
  std::size_t leftover = 99;
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhelloHTTP/1.1 200 OK\r\n";
  ASSERT_EQ(feed(p, sink, wire, GetParam(), &leftover), response_parser::status::done);
  EXPECT_EQ(p.status_code(), 200);
  EXPECT_TRUE(p.keep_alive());
  EXPECT_EQ(sink.body, "hello");
  EXPECT_EQ(p.body_bytes(), 5u);
  ASSERT_EQ(sink.headers.size(), 2u);
  EXPECT_EQ(sink.headers[1].first, "X-A");
  EXPECT_EQ(sink.headers[1].second, "b");
  EXPECT_EQ(leftover, std::string("HTTP/1.1 200 OK\r\n").size());
}

TEST_P(ResponseParserSplits, ChunkedBodyWithExtensionsAndTrailers) {
  response_parser p;
  p.reset();
  collecting_sink sink;
  const std::string wire =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
  ASSERT_EQ(feed(p, sink, wire, GetParam()), response_parser::status::done);
  EXPECT_EQ(p.status_code(), 201);
  EXPECT_EQ(sink.body, "hello0123456789");
  EXPECT_TRUE(p.keep_alive());
}

TEST_P(ResponseParserSplits, CloseDelimitedBodyEndsAtEof) {
  response_parser p;
  p.reset();
  collecting_sink sink;
  const std::string wire = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end";
  ASSERT_EQ(feed(p, sink, wire, GetParam()), response_parser::status::done);
  EXPECT_EQ(sink.body, "until the end");
  EXPECT_FALSE(p.keep_alive());
}

INSTANTIATE_TEST_SUITE_P(Pieces, ResponseParserSplits, ::testing::Values(1, 2, 7, 64, 4096));

TEST(ResponseParser, HeadAnd204And304HaveNoBody) {
  for (auto [status_line, head] :
       std::vector<std::pair<std::string, bool>>{{"HTTP/1.1 200 OK", true},
                                                 {"HTTP/1.1 204 No Content", false},
                                                 {"HTTP/1.1 304 Not Modified", false}}) {
    response_parser p;
    p.reset(head);
    collecting_sink sink;
    auto r = p.parse(status_line + "\r\nContent-Length: 10\r\n\r\n", sink);
    EXPECT_EQ(r.state, response_parser::status::done) << status_line;
    EXPECT_EQ(p.body_bytes(), 0u);
  }
}

TEST(ResponseParser, InterimResponseIsSkipped) {
  response_parser p;
  p.reset();
  collecting_sink sink;
  auto r =
      p.parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", sink);
  EXPECT_EQ(r.state, response_parser::status::done);
  EXPECT_EQ(p.status_code(), 200);
  EXPECT_EQ(sink.body, "ok");
}

TEST(ResponseParser, Http10ClosesUnlessKeepAlive) {
  response_parser p;
  collecting_sink sink;
  p.reset();
  p.parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", sink);
  EXPECT_FALSE(p.keep_alive());
  p.reset();
  p.parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", sink);
  EXPECT_TRUE(p.keep_alive());
  p.reset();
  p.parse("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", sink);
  EXPECT_FALSE(p.keep_alive());
}

struct malformed_case {
  std::string wire;
  std::string message;
};

class ResponseParserMalformed : public ::testing::TestWithParam<malformed_case> {};

TEST_P(ResponseParserMalformed, IsAnErrorWithAReason) {
  response_parser p;
  p.reset();
  collecting_sink sink;
  auto state = feed(p, sink, GetParam().wire, 3);
  EXPECT_EQ(state, response_parser::status::error);
  EXPECT_EQ(std::string(p.error_message()), GetParam().message);
  EXPECT_FALSE(p.keep_alive());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ResponseParserMalformed,
    ::testing::Values(
        malformed_case{"HTTX/1.1 200 OK\r\n\r\n", "malformed status line"},
        malformed_case{"HTTP/1.1 2x0 OK\r\n\r\n", "malformed status code"},
        malformed_case{"HTTP/1.1 099 OK\r\n\r\n", "malformed status code"},
        malformed_case{"HTTP/1.1 200OK\r\n\r\n", "malformed status line"},
        malformed_case{"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "malformed header line"},
        malformed_case{"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "malformed header name"},
        malformed_case{"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
                       "obsolete header line folding"},
        malformed_case{"HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", "invalid Content-Length"},
        malformed_case{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                       "invalid Content-Length"},
        malformed_case{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
                       "malformed chunk size"},
        malformed_case{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY",
                       "missing CRLF after chunk data"},
        malformed_case{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                       "connection closed before the response was complete"},
        malformed_case{"", "connection closed before any response"}));

TEST(ResponseParser, OversizedHeadersAreAnError) {
  response_parser p;
  p.reset();
  collecting_sink sink;
  std::string wire = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70 * 1024, 'a');
  auto r = p.parse(wire, sink);
  EXPECT_EQ(r.state, response_parser::status::error);
  EXPECT_EQ(std::string(p.error_message()), "response headers larger than 64 KiB");
}

TEST(ResponseParser, ResetAllowsReuse) {
  response_parser p;
  collecting_sink sink;
  for (int i = 0; i < 3; ++i) {
    p.reset();
    auto r = p.parse("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc", sink);
    EXPECT_EQ(r.state, response_parser::status::done);
    EXPECT_EQ(r.consumed, 48u);
    EXPECT_EQ(p.status_code(), 404);
  }
}

}  // namespace
}  // namespace stampede::protocol::http1

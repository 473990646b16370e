// SPDX-License-Identifier: Apache-2.0
#include "protocol/http1/http1_hold_codec.hpp"

#include <string>

#include <gtest/gtest.h>

namespace stampede::protocol::http1 {
namespace {

using outcome = hold_read::outcome;

const std::string request = "GET /health HTTP/1.1\r\nHost: h\r\n\r\n";
const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

TEST(Http1HoldCodec, NoHelloAndThePingIsTheRequest) {
  const http1_hold_codec codec(request);
  EXPECT_TRUE(codec.hello().bytes.empty());
  EXPECT_EQ(codec.ping().bytes, request);
  EXPECT_EQ(codec.ping().failure, "ping on a held connection");
  EXPECT_NE(codec.start_answer(hold_stage::pinging), nullptr);
}

TEST(Http1HoldCodec, AnAnswerCompletesThePingWithItsStatus) {
  const http1_hold_codec codec(request);
  auto answer = codec.start_answer(hold_stage::pinging);
  const auto r = codec.read(hold_stage::pinging, ok, answer.get());
  EXPECT_EQ(r.what, outcome::ping_answered);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.consumed, ok.size());
  EXPECT_EQ(r.bytes_in, ok.size());
  EXPECT_TRUE(r.message.empty()) << "kept alive";
}

TEST(Http1HoldCodec, AnAnswerInPiecesNeedsMore) {
  const http1_hold_codec codec(request);
  auto answer = codec.start_answer(hold_stage::pinging);
  // An incomplete header block is never consumed: it comes again with the rest.
  auto r = codec.read(hold_stage::pinging, std::string_view(ok).substr(0, 10), answer.get());
  EXPECT_EQ(r.what, outcome::need_more);
  EXPECT_EQ(r.consumed, 0u);
  // Headers whole, body in part: consumed.
  const auto most = std::string_view(ok).substr(0, ok.size() - 1);
  r = codec.read(hold_stage::pinging, most, answer.get());
  EXPECT_EQ(r.what, outcome::need_more);
  EXPECT_EQ(r.consumed, most.size());
  r = codec.read(hold_stage::pinging, "k", answer.get());
  EXPECT_EQ(r.what, outcome::ping_answered);
  EXPECT_EQ(r.bytes_in, ok.size());
}

TEST(Http1HoldCodec, AnErrorStatusStillAnswersThePing) {
  const http1_hold_codec codec(request);
  auto answer = codec.start_answer(hold_stage::pinging);
  const auto r =
      codec.read(hold_stage::pinging,
                 "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", answer.get());
  EXPECT_EQ(r.what, outcome::ping_answered);
  EXPECT_EQ(r.status, 503);
}

TEST(Http1HoldCodec, ABadStatusLineFailsThePing) {
  const http1_hold_codec codec(request);
  auto answer = codec.start_answer(hold_stage::pinging);
  const auto r = codec.read(hold_stage::pinging, "HTTX/1.1 200 OK\r\n\r\n", answer.get());
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::protocol);
  EXPECT_EQ(r.message, "ping answer: malformed status line");
}

TEST(Http1HoldCodec, AnAnswerWithoutKeepAliveEndsTheConnection) {
  const http1_hold_codec codec(request);
  auto answer = codec.start_answer(hold_stage::pinging);
  const auto r =
      codec.read(hold_stage::pinging,
                 "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", answer.get());
  EXPECT_EQ(r.what, outcome::ping_answered);
  EXPECT_EQ(r.error, metrics::error_class::reset);
  EXPECT_EQ(r.message, "the server closed a held connection after a ping (no keep-alive)");
}

TEST(Http1HoldCodec, BytesOnAnIdleConnectionAreForgotten) {
  const http1_hold_codec codec(request);
  const auto r = codec.read(hold_stage::idle, ok, nullptr);
  EXPECT_EQ(r.what, outcome::none);
  EXPECT_EQ(r.consumed, ok.size());
}

TEST(Http1HoldCodec, TheServersClose) {
  const http1_hold_codec codec(request);
  // A body delimited by the close: the close completes the answer.
  auto answer = codec.start_answer(hold_stage::pinging);
  auto r = codec.read(hold_stage::pinging, "HTTP/1.1 200 OK\r\n\r\nbody", answer.get());
  EXPECT_EQ(r.what, outcome::need_more);
  r = codec.on_close(hold_stage::pinging, answer.get());
  EXPECT_EQ(r.what, outcome::ping_answered);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.message, "the server closed a held connection after a ping (no keep-alive)");
  // No answer yet.
  answer = codec.start_answer(hold_stage::pinging);
  r = codec.on_close(hold_stage::pinging, answer.get());
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::reset);
  EXPECT_EQ(r.message, "the server closed a held connection before answering its ping");
}

}  // namespace
}  // namespace stampede::protocol::http1

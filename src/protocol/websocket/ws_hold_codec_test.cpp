// SPDX-License-Identifier: Apache-2.0
#include "protocol/websocket/ws_hold_codec.hpp"

#include <string>

#include <gtest/gtest.h>

namespace stampede::protocol::websocket {
namespace {

using outcome = hold_read::outcome;

std::string bytes(std::initializer_list<unsigned> b) {
  std::string s;
  for (const auto c : b) {
    s.push_back(static_cast<char>(c));
  }
  return s;
}

/// Unmasks a client's frame of up to 125 bytes of payload: its opcode byte and payload.
std::pair<unsigned, std::string> unmask(std::string_view frame) {
  EXPECT_GE(frame.size(), 6u);
  EXPECT_NE(static_cast<std::uint8_t>(frame[1]) & 0x80, 0) << "a client's frame is masked";
  const std::size_t length = static_cast<std::uint8_t>(frame[1]) & 0x7Fu;
  EXPECT_EQ(frame.size(), 6u + length);
  std::string payload;
  for (std::size_t k = 0; k < length; ++k) {
    payload.push_back(static_cast<char>(frame[6 + k] ^ frame[2 + k % 4]));
  }
  return {static_cast<std::uint8_t>(frame[0]), payload};
}

const std::string upgrade = "GET /ws HTTP/1.1\r\nHost: h\r\n\r\n";
const std::string switching =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";

TEST(WsHoldCodec, HelloIsTheUpgradeAndPingsAreMaskedPingFrames) {
  const ws_hold_codec codec(upgrade);
  EXPECT_EQ(codec.hello().bytes, upgrade);
  EXPECT_EQ(codec.hello_name(), "WebSocket upgrade");
  EXPECT_EQ(codec.ping().bytes.size(), held_ping_bytes);
  EXPECT_EQ(unmask(codec.ping().bytes), std::make_pair(0x89u, std::string()));
  EXPECT_EQ(codec.start_answer(hold_stage::pinging), nullptr) << "a pong needs no state";
}

TEST(WsHoldCodec, The101EstablishesAndFramesAfterItAreLeft) {
  const ws_hold_codec codec(upgrade);
  auto answer = codec.start_answer(hold_stage::hello);
  ASSERT_NE(answer, nullptr);
  const auto ping = bytes({0x89, 0x02}) + "hi";
  // The header block in two reads: nothing consumed until it is whole.
  auto r = codec.read(hold_stage::hello, switching.substr(0, 20), answer.get());
  EXPECT_EQ(r.what, outcome::need_more);
  EXPECT_EQ(r.consumed, 0u);
  r = codec.read(hold_stage::hello, switching + ping, answer.get());
  EXPECT_EQ(r.what, outcome::established);
  EXPECT_EQ(r.consumed, switching.size());
  EXPECT_EQ(r.reply_size, 0u);
}

TEST(WsHoldCodec, AnUpgradeAnsweredOtherwiseFailsTheConnect) {
  const ws_hold_codec codec(upgrade);
  auto answer = codec.start_answer(hold_stage::hello);
  auto r =
      codec.read(hold_stage::hello, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", answer.get());
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::http_status);
  EXPECT_EQ(r.message, "WebSocket upgrade answered 200, not 101");
  answer = codec.start_answer(hold_stage::hello);
  r = codec.read(hold_stage::hello, "SSH-2.0-OpenSSH\r\n\r\n", answer.get());
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::protocol);
  EXPECT_EQ(r.message, "WebSocket upgrade answer: malformed status line");
}

TEST(WsHoldCodec, AServerPingGetsAMaskedPongWithItsPayload) {
  const ws_hold_codec codec(upgrade);
  const auto ping = bytes({0x89, 0x02}) + "hi";
  const auto r = codec.read(hold_stage::idle, ping + "more", nullptr);
  EXPECT_EQ(r.what, outcome::none);
  EXPECT_EQ(r.consumed, ping.size());
  EXPECT_EQ(unmask(r.reply()), std::make_pair(0x8Au, std::string("hi")));
  EXPECT_EQ(r.reply_failure, "held connection: sending a WebSocket pong");
  // The longest control frame a server may send still fits the reply.
  const auto longest =
      codec.read(hold_stage::idle, bytes({0x89, 125}) + std::string(125, 'x'), nullptr);
  EXPECT_EQ(unmask(longest.reply()), std::make_pair(0x8Au, std::string(125, 'x')));
}

TEST(WsHoldCodec, APongAnswersAWaitingPingOnly) {
  const ws_hold_codec codec(upgrade);
  const auto pong = bytes({0x8A, 0x00});
  auto r = codec.read(hold_stage::pinging, pong, nullptr);
  EXPECT_EQ(r.what, outcome::ping_answered);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.bytes_in, 2u);
  EXPECT_TRUE(r.message.empty()) << "the connection stays";
  r = codec.read(hold_stage::idle, pong, nullptr);
  EXPECT_EQ(r.what, outcome::none);
  EXPECT_EQ(r.consumed, 2u);
}

TEST(WsHoldCodec, MessagesAreReadAndForgotten) {
  const ws_hold_codec codec(upgrade);
  const auto text = bytes({0x81, 0x05}) + "hello";
  const auto r = codec.read(hold_stage::idle, text, nullptr);
  EXPECT_EQ(r.what, outcome::none);
  EXPECT_EQ(r.consumed, text.size());
  EXPECT_EQ(r.reply_size, 0u);
}

TEST(WsHoldCodec, ACloseFrameIsADropWithItsCloseCode) {
  const ws_hold_codec codec(upgrade);
  auto r = codec.read(hold_stage::idle, bytes({0x88, 0x02, 0x03, 0xE9}), nullptr);
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::reset);
  EXPECT_EQ(r.message, "the server closed a held WebSocket (close code 1001)");
  r = codec.read(hold_stage::pinging, bytes({0x88, 0x00}), nullptr);
  EXPECT_EQ(r.message, "the server closed a held WebSocket (close code 1005)");
}

TEST(WsHoldCodec, FramesAServerMayNotSendAreProtocolErrors) {
  const ws_hold_codec codec(upgrade);
  auto r = codec.read(hold_stage::idle, bytes({0x81, 0x81, 1, 2, 3, 4, 'x'}), nullptr);
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::protocol);
  EXPECT_EQ(r.message, "held WebSocket: the server sent a masked frame");
  r = codec.read(hold_stage::idle, bytes({0x83, 0x00}), nullptr);
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.message, "held WebSocket: a frame with unknown opcode 3");
}

TEST(WsHoldCodec, PartialFramesNeedMore) {
  const ws_hold_codec codec(upgrade);
  for (const auto& part : {bytes({0x89}), bytes({0x89, 0x02}) + "h", bytes({0x82, 126, 0x01})}) {
    const auto r = codec.read(hold_stage::idle, part, nullptr);
    EXPECT_EQ(r.what, outcome::need_more);
    EXPECT_EQ(r.consumed, 0u);
  }
}

TEST(WsHoldCodec, TheServersCloseIsNamedByStage) {
  const ws_hold_codec codec(upgrade);
  auto r = codec.on_close(hold_stage::hello, nullptr);
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::reset);
  EXPECT_EQ(r.message, "the server closed the connection before answering the WebSocket upgrade");
  r = codec.on_close(hold_stage::pinging, nullptr);
  EXPECT_EQ(r.message, "the server closed a held connection");
}

}  // namespace
}  // namespace stampede::protocol::websocket

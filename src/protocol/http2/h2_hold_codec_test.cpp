// SPDX-License-Identifier: Apache-2.0
#include "protocol/http2/h2_hold_codec.hpp"

#include <string>

#include <gtest/gtest.h>

#include "protocol/common/big_endian.hpp"

namespace stampede::protocol::http2 {
namespace {

using outcome = hold_read::outcome;

/// A frame on stream 0.
std::string frame(std::uint8_t type, std::uint8_t flags, std::string_view payload) {
  std::string f(frames::header_size, '\0');
  f[0] = static_cast<char>(payload.size() >> 16);
  f[1] = static_cast<char>(payload.size() >> 8);
  f[2] = static_cast<char>(payload.size());
  f[3] = static_cast<char>(type);
  f[4] = static_cast<char>(flags);
  return f.append(payload);
}

TEST(H2HoldCodec, PrefaceIsFollowedByAnEmptySettingsFrame) {
  const h2_hold_codec codec;
  const auto hello = codec.hello().bytes;
  EXPECT_EQ(hello, frames::preface_and_settings);
  EXPECT_EQ(hello.size(), 24u + frames::header_size);
  EXPECT_EQ(hello.substr(0, 24), std::string_view("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
  const auto settings = hello.substr(24);
  EXPECT_EQ(big_endian(settings.substr(0, 3)), 0u);  // length
  EXPECT_EQ(static_cast<std::uint8_t>(settings[3]), frames::settings);
  EXPECT_EQ(codec.hello_name(), "HTTP/2 preface");
}

TEST(H2HoldCodec, PingsArePingFramesOnStreamZero) {
  const h2_hold_codec codec;
  EXPECT_EQ(codec.ping().bytes, frame(frames::ping, 0, "stampede"));
  EXPECT_EQ(codec.ping().failure, "held connection: sending an HTTP/2 PING");
  EXPECT_EQ(codec.start_answer(hold_stage::pinging), nullptr) << "a PING ACK needs no state";
}

TEST(H2HoldCodec, TheServersSettingsAreAcknowledgedAndEstablish) {
  const h2_hold_codec codec;
  const auto settings = frame(frames::settings, 0, std::string(6, '\x01'));
  auto r = codec.read(hold_stage::hello, settings + "rest", nullptr);
  EXPECT_EQ(r.what, outcome::established);
  EXPECT_EQ(r.consumed, settings.size());
  EXPECT_EQ(r.reply(), frame(frames::settings, frames::ack, {}));
  EXPECT_EQ(r.reply_failure, "held connection: sending an HTTP/2 SETTINGS ACK");
  // Once established, later SETTINGS are only acknowledged; a SETTINGS ACK needs nothing.
  r = codec.read(hold_stage::idle, settings, nullptr);
  EXPECT_EQ(r.what, outcome::none);
  EXPECT_EQ(r.reply(), frame(frames::settings, frames::ack, {}));
  r = codec.read(hold_stage::hello, frame(frames::settings, frames::ack, {}), nullptr);
  EXPECT_EQ(r.what, outcome::none);
  EXPECT_EQ(r.reply_size, 0u);
}

TEST(H2HoldCodec, AServerPingGetsAPingAckWithItsPayload) {
  const h2_hold_codec codec;
  const auto r = codec.read(hold_stage::pinging, frame(frames::ping, 0, "12345678"), nullptr);
  EXPECT_EQ(r.what, outcome::none) << "the server's PING answers no ping of ours";
  EXPECT_EQ(r.reply(), frame(frames::ping, frames::ack, "12345678"));
  EXPECT_EQ(r.reply_failure, "held connection: sending an HTTP/2 PING");
}

TEST(H2HoldCodec, APingAckAnswersAWaitingPingOnly) {
  const h2_hold_codec codec;
  const auto ack = frame(frames::ping, frames::ack, "stampede");
  auto r = codec.read(hold_stage::pinging, ack, nullptr);
  EXPECT_EQ(r.what, outcome::ping_answered);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.bytes_in, 17u);
  EXPECT_EQ(r.reply_size, 0u);
  r = codec.read(hold_stage::idle, ack, nullptr);
  EXPECT_EQ(r.what, outcome::none);
  EXPECT_EQ(r.consumed, 17u);
}

TEST(H2HoldCodec, AGoawayIsADropWithItsErrorCode) {
  const h2_hold_codec codec;
  const auto r = codec.read(
      hold_stage::idle,
      frame(frames::goaway, 0, std::string("\x00\x00\x00\x00\x00\x00\x00\x0b", 8)), nullptr);
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::reset);
  EXPECT_EQ(r.message, "the server said GOAWAY to a held HTTP/2 connection (error code 11)");
}

TEST(H2HoldCodec, APingNotEightBytesLongIsAProtocolError) {
  const h2_hold_codec codec;
  const auto r = codec.read(hold_stage::idle, frame(frames::ping, 0, "hello"), nullptr);
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::protocol);
  EXPECT_EQ(r.message, "held HTTP/2 connection: a PING frame not 8 bytes long");
}

TEST(H2HoldCodec, OtherFramesNeedNothingAndPartialOnesNeedMore) {
  const h2_hold_codec codec;
  const auto window_update = frame(0x8, 0, std::string("\x00\x00\x10\x00", 4));
  auto r = codec.read(hold_stage::idle, window_update, nullptr);
  EXPECT_EQ(r.what, outcome::none);
  EXPECT_EQ(r.consumed, window_update.size());
  EXPECT_EQ(r.reply_size, 0u);
  const auto ping = frame(frames::ping, 0, "12345678");
  for (const auto cut : {std::size_t{3}, frames::header_size, ping.size() - 1}) {
    r = codec.read(hold_stage::idle, std::string_view(ping).substr(0, cut), nullptr);
    EXPECT_EQ(r.what, outcome::need_more);
    EXPECT_EQ(r.consumed, 0u);
  }
}

TEST(H2HoldCodec, TheServersCloseIsNamedByStage) {
  const h2_hold_codec codec;
  auto r = codec.on_close(hold_stage::hello, nullptr);
  EXPECT_EQ(r.what, outcome::drop);
  EXPECT_EQ(r.error, metrics::error_class::reset);
  EXPECT_EQ(r.message, "the server closed the connection before its HTTP/2 SETTINGS");
  r = codec.on_close(hold_stage::pinging, nullptr);
  EXPECT_EQ(r.message, "the server closed a held connection before answering its ping");
}

}  // namespace
}  // namespace stampede::protocol::http2

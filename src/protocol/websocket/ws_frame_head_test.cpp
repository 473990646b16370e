// SPDX-License-Identifier: Apache-2.0
#include "protocol/websocket/ws_frame_head.hpp"

#include <string>

#include <gtest/gtest.h>

namespace stampede::protocol::websocket {
namespace {

std::string bytes(std::initializer_list<unsigned> b) {
  std::string s;
  for (const auto c : b) {
    s.push_back(static_cast<char>(c));
  }
  return s;
}

TEST(BigEndian, ReadsNetworkOrder) {
  EXPECT_EQ(big_endian(bytes({0x01, 0x02})), 0x0102u);
  EXPECT_EQ(big_endian(bytes({0x00, 0x00, 0x40})), 0x40u);
  EXPECT_EQ(big_endian(bytes({0xff, 0, 0, 0, 0, 0, 0, 1})), 0xff00000000000001u);
}

TEST(WsFrameHead, ByLengthForm) {
  // A pong with 3 bytes of payload, all there.
  auto f = read_frame_head(bytes({0x8a, 0x03}) + "abc");
  EXPECT_EQ(f.state, frame_head::kind::complete);
  EXPECT_EQ(f.opcode, 0xa);
  EXPECT_EQ(f.header, 2u);
  EXPECT_EQ(f.length, 3u);
  // 16-bit length (300), only part of the payload yet.
  f = read_frame_head(bytes({0x82, 126, 0x01, 0x2c}) + std::string(100, 'x'));
  EXPECT_EQ(f.state, frame_head::kind::incomplete);
  EXPECT_EQ(f.header, 4u);
  EXPECT_EQ(f.length, 300u);
  // 64-bit length, head itself cut short.
  EXPECT_EQ(read_frame_head(bytes({0x82, 127, 0, 0})).state, frame_head::kind::incomplete);
  EXPECT_EQ(read_frame_head(bytes({0x82})).state, frame_head::kind::incomplete);
}

TEST(WsFrameHead, FramesAServerMayNotSendAreBad) {
  auto f = read_frame_head(bytes({0x81, 0x80 | 1, 1, 2, 3, 4, 'x'}));
  EXPECT_EQ(f.state, frame_head::kind::bad);
  EXPECT_EQ(f.problem, "the server sent a masked frame");
  f = read_frame_head(bytes({0x89, 126, 0x00, 0x7e}));  // a ping of 126 bytes
  EXPECT_EQ(f.state, frame_head::kind::bad);
  EXPECT_EQ(f.problem, "the server sent a control frame longer than 125 bytes");
  f = read_frame_head(bytes({0x82, 127, 0, 0, 0, 0, 0x01, 0, 0, 1}));  // 16 MiB + 1
  EXPECT_EQ(f.state, frame_head::kind::bad);
  EXPECT_EQ(f.problem, "the server sent a frame larger than 16 MiB");
}

}  // namespace
}  // namespace stampede::protocol::websocket

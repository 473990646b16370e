// SPDX-License-Identifier: Apache-2.0
// A WebSocket frame's head (RFC 6455, section 5.2), read from a server's bytes as they arrive:
// what a held WebSocket (ws_hold_codec) needs of the framing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/common/big_endian.hpp"

namespace stampede::protocol::websocket {

/// A held WebSocket keeps at most this much of a frame while waiting for the rest.
inline constexpr std::size_t max_held_frame = 16 * 1024 * 1024;

/// A frame's head, once the whole frame is in `data`.
struct frame_head {
  enum class kind { complete, incomplete, bad } state = kind::incomplete;
  std::uint8_t opcode = 0;
  std::size_t header = 0;
  std::size_t length = 0;
  std::string_view problem;  ///< when bad
};

inline frame_head read_frame_head(std::string_view data) {
  frame_head f;
  if (data.size() < 2) {
    return f;
  }
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  f.opcode = b0 & 0x0F;
  std::uint64_t length = b1 & 0x7F;
  f.header = 2;
  if (length == 126) {
    if (data.size() < 4) {
      return f;
    }
    length = big_endian(data.substr(2, 2));
    f.header = 4;
  } else if (length == 127) {
    if (data.size() < 10) {
      return f;
    }
    length = big_endian(data.substr(2, 8));
    f.header = 10;
  }
  if ((b1 & 0x80) != 0) {
    f.state = frame_head::kind::bad;
    f.problem = "the server sent a masked frame";
    return f;
  }
  if ((f.opcode & 0x08) != 0 && length > 125) {
    f.state = frame_head::kind::bad;
    f.problem = "the server sent a control frame longer than 125 bytes";
    return f;
  }
  if (length > max_held_frame) {
    f.state = frame_head::kind::bad;
    f.problem = "the server sent a frame larger than 16 MiB";
    return f;
  }
  f.length = static_cast<std::size_t>(length);
  if (data.size() >= f.header + f.length) {
    f.state = frame_head::kind::complete;
  }
  return f;
}

}  // namespace stampede::protocol::websocket

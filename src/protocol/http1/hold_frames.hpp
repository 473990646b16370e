// SPDX-License-Identifier: Apache-2.0
// The little of WebSocket (RFC 6455) and HTTP/2 (RFC 9113) framing a held connection needs:
// frame heads read from the bytes as they arrive, and the constants of pings, settings and
// goaways. Shared by connection_holder's files and its tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stampede::protocol::http1::hold_frames {

/// A WebSocket client ping: FIN + opcode 9, masked, empty payload, then the mask key.
inline constexpr std::size_t ws_ping_bytes = 6;
/// HTTP/2: the client preface and an empty SETTINGS frame (defaults for everything).
inline constexpr std::string_view h2_preface_and_settings{
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00", 33};
inline constexpr std::size_t h2_frame_header = 9;
inline constexpr std::uint8_t h2_settings = 0x4;
inline constexpr std::uint8_t h2_ping = 0x6;
inline constexpr std::uint8_t h2_goaway = 0x7;
inline constexpr std::uint8_t h2_ack = 0x1;
/// A held WebSocket keeps at most this much of a frame while waiting for the rest. (An HTTP/2
/// frame's 24-bit length keeps it under this by itself.)
inline constexpr std::size_t max_partial_frame = 16 * 1024 * 1024;

/// The unsigned number `bytes` hold, most significant byte first (network order), as in
/// WebSocket and HTTP/2 frame heads.
inline std::uint64_t big_endian(std::string_view bytes) {
  std::uint64_t n = 0;
  for (const char c : bytes) {
    n = (n << 8) | static_cast<std::uint8_t>(c);
  }
  return n;
}

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
  if (length > max_partial_frame) {
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

}  // namespace stampede::protocol::http1::hold_frames

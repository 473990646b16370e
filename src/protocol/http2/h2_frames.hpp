// SPDX-License-Identifier: Apache-2.0
// The little of HTTP/2 framing (RFC 9113, sections 3.4 and 4.1) a held connection
// (h2_hold_codec) reads and writes without nghttp2: the client preface, frame heads, and the
// types and flag of SETTINGS, PING and GOAWAY.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stampede::protocol::http2::frames {

/// The client preface and an empty SETTINGS frame (defaults for everything).
inline constexpr std::string_view preface_and_settings{
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00", 33};
/// A frame's head: 24-bit length, type, flags, stream id.
inline constexpr std::size_t header_size = 9;
inline constexpr std::uint8_t settings = 0x4;
inline constexpr std::uint8_t ping = 0x6;
inline constexpr std::uint8_t goaway = 0x7;
inline constexpr std::uint8_t ack = 0x1;
/// A PING's payload is exactly this long.
inline constexpr std::size_t ping_payload = 8;

}  // namespace stampede::protocol::http2::frames

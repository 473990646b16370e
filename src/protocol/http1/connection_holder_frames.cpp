// SPDX-License-Identifier: Apache-2.0
// Held WebSocket and HTTP/2 connections: their frames read (pings answered, pongs and PING
// acks taken as a ping's answer, a close or GOAWAY a drop) and the frames they send.
#include "protocol/http1/connection_holder.hpp"

#include <fmt/format.h>

#include "protocol/http1/hold_frames.hpp"

namespace stampede::protocol::http1 {

using metrics::error_class;
using namespace hold_frames;

std::string_view connection_holder::after_partial(std::uint32_t i, std::string_view data,
                                                  std::string& joined) {
  const auto it = partial_frames_.find(i);
  if (it == partial_frames_.end()) {
    return data;
  }
  joined = std::move(it->second);
  partial_frames_.erase(it);
  joined.append(data);
  return joined;
}

void connection_holder::on_ws_frames(std::uint32_t i, std::string_view data) {
  std::string joined;
  data = after_partial(i, data, joined);
  while (!data.empty()) {
    const auto f = read_frame_head(data);
    if (f.state == frame_head::kind::incomplete) {
      partial_frames_.emplace(i, std::string(data));
      return;
    }
    if (f.state == frame_head::kind::bad) {
      lose(i, error_class::protocol, fmt::format("held WebSocket: {}", f.problem));
      return;
    }
    const auto payload = data.substr(f.header, f.length);
    const auto size = f.header + f.length;
    data.remove_prefix(size);
    switch (f.opcode) {
      case 0x0:
      case 0x1:
      case 0x2:
        break;  // messages: read and forgotten
      case 0x8: {
        const unsigned code = payload.size() >= 2 ? (static_cast<std::uint8_t>(payload[0]) << 8u) |
                                                        static_cast<std::uint8_t>(payload[1])
                                                  : 1005u;
        lose(i, error_class::reset,
             fmt::format("the server closed a held WebSocket (close code {})", code));
        return;
      }
      case 0x9:
        if (!send_ws_frame(i, 0xA, payload)) {
          return;
        }
        break;
      case 0xA:
        if (slots_[i].st == state::pinging) {
          finish_frame_ping(i, size);
        }
        break;
      default:
        lose(i, error_class::protocol,
             fmt::format("held WebSocket: a frame with unknown opcode {}", f.opcode));
        return;
    }
  }
}

bool connection_holder::send_ws_frame(std::uint32_t i, std::uint8_t opcode,
                                      std::string_view payload) {
  // Control frames only (payload <= 125 bytes), masked as a client's must be.
  constexpr std::array<std::uint8_t, 4> mask{0x5a, 0xc3, 0x3c, 0xa5};
  std::array<char, 2 + 4 + 125> frame{};
  frame[0] = static_cast<char>(0x80 | opcode);
  frame[1] = static_cast<char>(0x80 | payload.size());
  std::memcpy(frame.data() + 2, mask.data(), mask.size());
  for (std::size_t k = 0; k < payload.size(); ++k) {
    frame[6 + k] = static_cast<char>(payload[k] ^ static_cast<char>(mask[k % 4]));
  }
  return send_bytes(i, std::string_view(frame.data(), 6 + payload.size()),
                    opcode == 0x9 ? "a WebSocket ping" : "a WebSocket pong");
}

void connection_holder::on_h2_frames(std::uint32_t i, std::string_view data) {
  std::string joined;
  data = after_partial(i, data, joined);
  while (!data.empty()) {
    if (data.size() < h2_frame_header) {
      partial_frames_.emplace(i, std::string(data));
      return;
    }
    const auto length = big_endian(data.substr(0, 3));
    const auto type = static_cast<std::uint8_t>(data[3]);
    const auto flags = static_cast<std::uint8_t>(data[4]);
    if (data.size() < h2_frame_header + length) {
      partial_frames_.emplace(i, std::string(data));
      return;
    }
    const auto payload = data.substr(h2_frame_header, length);
    data.remove_prefix(h2_frame_header + length);
    if (type == h2_settings && (flags & h2_ack) == 0) {
      if (!send_h2_frame(i, h2_settings, h2_ack, {})) {
        return;
      }
      if (slots_[i].st == state::handshaking) {
        --connecting_;
        established(i);
      }
    } else if (type == h2_ping) {
      if (length != 8) {
        lose(i, error_class::protocol, "held HTTP/2 connection: a PING frame not 8 bytes long");
        return;
      }
      if ((flags & h2_ack) == 0) {
        if (!send_h2_frame(i, h2_ping, h2_ack, payload)) {
          return;
        }
      } else if (slots_[i].st == state::pinging) {
        finish_frame_ping(i, h2_frame_header + length);
      }
    } else if (type == h2_goaway) {
      const auto code = length >= 8 ? big_endian(payload.substr(4, 4)) : 0;
      lose(i, error_class::reset,
           fmt::format("the server said GOAWAY to a held HTTP/2 connection (error code {})", code));
      return;
    }
    // Anything else (WINDOW_UPDATE, a SETTINGS ACK, ...) needs nothing from a silent client.
  }
}

bool connection_holder::send_h2_frame(std::uint32_t i, std::uint8_t type, std::uint8_t flags,
                                      std::string_view payload) {
  std::array<char, h2_frame_header + 8> frame{};  // SETTINGS (empty) and PING (8 bytes) only
  frame[2] = static_cast<char>(payload.size());
  frame[3] = static_cast<char>(type);
  frame[4] = static_cast<char>(flags);
  std::memcpy(frame.data() + h2_frame_header, payload.data(), payload.size());
  return send_bytes(i, std::string_view(frame.data(), h2_frame_header + payload.size()),
                    type == h2_ping ? "an HTTP/2 PING" : "an HTTP/2 SETTINGS ACK");
}

}  // namespace stampede::protocol::http1

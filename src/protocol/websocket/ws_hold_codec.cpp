// SPDX-License-Identifier: Apache-2.0
#include "protocol/websocket/ws_hold_codec.hpp"

#include <cstring>

#include <fmt/format.h>

#include "protocol/http1/http1_hold_codec.hpp"
#include "protocol/websocket/ws_frame_head.hpp"

namespace stampede::protocol::websocket {

using metrics::error_class;

namespace {

constexpr std::uint8_t op_close = 0x8;
constexpr std::uint8_t op_ping = 0x9;
constexpr std::uint8_t op_pong = 0xA;

/// Writes a control frame (payload <= 125 bytes) to `out`, masked as a client's must be;
/// returns its size.
std::size_t write_control_frame(std::uint8_t opcode, std::string_view payload, char* out) {
  constexpr std::array<std::uint8_t, 4> mask{0x5a, 0xc3, 0x3c, 0xa5};
  out[0] = static_cast<char>(0x80 | opcode);
  out[1] = static_cast<char>(0x80 | payload.size());
  std::memcpy(out + 2, mask.data(), mask.size());
  for (std::size_t k = 0; k < payload.size(); ++k) {
    out[6 + k] = static_cast<char>(payload[k] ^ static_cast<char>(mask[k % 4]));
  }
  return 6 + payload.size();
}

}  // namespace

ws_hold_codec::ws_hold_codec(std::string upgrade_request)
    : upgrade_request_(std::move(upgrade_request)) {
  write_control_frame(op_ping, {}, ping_.data());
}

std::unique_ptr<hold_codec::answer_state> ws_hold_codec::start_answer(hold_stage awaited) const {
  if (awaited != hold_stage::hello) {
    return nullptr;  // a ping's answer is a pong: a frame, read without state
  }
  return std::make_unique<http1::held_answer>();
}

hold_read ws_hold_codec::read_upgrade_answer(std::string_view data, answer_state* answer) const {
  if (answer == nullptr) {
    return hold_read::dropped(error_class::other, "WebSocket upgrade answer: not awaited");
  }
  auto& a = static_cast<http1::held_answer&>(*answer);
  const auto parsed = a.read(data);
  hold_read r;
  if (parsed.state == http1::response_parser::status::error) {
    r = hold_read::dropped(error_class::protocol,
                           fmt::format("WebSocket upgrade answer: {}", a.parser().error_message()));
  } else if (parsed.state == http1::response_parser::status::need_more) {
    r.what = hold_read::outcome::need_more;
  } else if (a.parser().status_code() != 101) {
    r = hold_read::dropped(
        error_class::http_status,
        fmt::format("WebSocket upgrade answered {}, not 101", a.parser().status_code()));
  } else {
    r.what = hold_read::outcome::established;  // frames may follow at once
  }
  r.consumed = parsed.consumed;
  return r;
}

hold_read ws_hold_codec::read(hold_stage stage, std::string_view data, answer_state* answer) const {
  if (stage == hold_stage::hello) {
    return read_upgrade_answer(data, answer);
  }
  hold_read r;
  const auto f = read_frame_head(data);
  if (f.state == frame_head::kind::incomplete) {
    r.what = hold_read::outcome::need_more;
    return r;
  }
  if (f.state == frame_head::kind::bad) {
    return hold_read::dropped(error_class::protocol, fmt::format("held WebSocket: {}", f.problem));
  }
  const auto payload = data.substr(f.header, f.length);
  r.consumed = f.header + f.length;
  switch (f.opcode) {
    case 0x0:
    case 0x1:
    case 0x2:
      break;  // messages: read and forgotten
    case op_close: {
      const unsigned code = payload.size() >= 2 ? (static_cast<std::uint8_t>(payload[0]) << 8u) |
                                                      static_cast<std::uint8_t>(payload[1])
                                                : 1005u;
      return hold_read::dropped(
          error_class::reset,
          fmt::format("the server closed a held WebSocket (close code {})", code));
    }
    case op_ping:
      r.reply_size = write_control_frame(op_pong, payload, r.reply_bytes.data());
      r.reply_failure = "held connection: sending a WebSocket pong";
      break;
    case op_pong:
      if (stage == hold_stage::pinging) {
        r.what = hold_read::outcome::ping_answered;
        r.bytes_in = r.consumed;
      }
      break;
    default:
      return hold_read::dropped(
          error_class::protocol,
          fmt::format("held WebSocket: a frame with unknown opcode {}", f.opcode));
  }
  return r;
}

hold_read ws_hold_codec::on_close(hold_stage stage, answer_state* /*answer*/) const {
  return hold_read::dropped(
      error_class::reset,
      stage == hold_stage::hello
          ? "the server closed the connection before answering the WebSocket upgrade"
          : "the server closed a held connection");
}

}  // namespace stampede::protocol::websocket

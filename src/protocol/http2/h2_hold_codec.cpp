// SPDX-License-Identifier: Apache-2.0
#include "protocol/http2/h2_hold_codec.hpp"

#include <cstring>

#include <fmt/format.h>

#include "protocol/common/big_endian.hpp"

namespace stampede::protocol::http2 {

using metrics::error_class;

namespace {

/// Writes a frame on stream 0 to `out`; returns its size.
std::size_t write_frame(std::uint8_t type, std::uint8_t flags, std::string_view payload,
                        char* out) {
  std::memset(out, 0, frames::header_size);
  out[2] = static_cast<char>(payload.size());  // SETTINGS (empty) and PING (8 bytes) only
  out[3] = static_cast<char>(type);
  out[4] = static_cast<char>(flags);
  if (!payload.empty()) {  // an empty view may hold no pointer, which memcpy must not get
    std::memcpy(out + frames::header_size, payload.data(), payload.size());
  }
  return frames::header_size + payload.size();
}

}  // namespace

h2_hold_codec::h2_hold_codec() {
  write_frame(frames::ping, 0, "stampede", ping_.data());
}

hold_read h2_hold_codec::read(hold_stage stage, std::string_view data,
                              answer_state* /*answer*/) const {
  hold_read r;
  if (data.size() < frames::header_size) {
    r.what = hold_read::outcome::need_more;
    return r;
  }
  // A 24-bit length: a partial frame kept for the rest stays under 16 MiB by itself.
  const auto length = static_cast<std::size_t>(big_endian(data.substr(0, 3)));
  const auto type = static_cast<std::uint8_t>(data[3]);
  const auto flags = static_cast<std::uint8_t>(data[4]);
  if (data.size() < frames::header_size + length) {
    r.what = hold_read::outcome::need_more;
    return r;
  }
  const auto payload = data.substr(frames::header_size, length);
  r.consumed = frames::header_size + length;
  if (type == frames::settings && (flags & frames::ack) == 0) {
    r.reply_size = write_frame(frames::settings, frames::ack, {}, r.reply_bytes.data());
    r.reply_failure = "held connection: sending an HTTP/2 SETTINGS ACK";
    if (stage == hold_stage::hello) {
      r.what = hold_read::outcome::established;
    }
  } else if (type == frames::ping) {
    if (length != frames::ping_payload) {
      return hold_read::dropped(error_class::protocol,
                                "held HTTP/2 connection: a PING frame not 8 bytes long");
    }
    if ((flags & frames::ack) == 0) {
      r.reply_size = write_frame(frames::ping, frames::ack, payload, r.reply_bytes.data());
      r.reply_failure = "held connection: sending an HTTP/2 PING";
    } else if (stage == hold_stage::pinging) {
      r.what = hold_read::outcome::ping_answered;
      r.bytes_in = r.consumed;
    }
  } else if (type == frames::goaway) {
    const auto code = length >= 8 ? big_endian(payload.substr(4, 4)) : 0;
    return hold_read::dropped(
        error_class::reset,
        fmt::format("the server said GOAWAY to a held HTTP/2 connection (error code {})", code));
  }
  // Anything else (WINDOW_UPDATE, a SETTINGS ACK, ...) needs nothing from a silent client.
  return r;
}

hold_read h2_hold_codec::on_close(hold_stage stage, answer_state* /*answer*/) const {
  return hold_read::dropped(error_class::reset,
                            stage == hold_stage::hello
                                ? "the server closed the connection before its HTTP/2 SETTINGS"
                                : "the server closed a held connection before answering its ping");
}

}  // namespace stampede::protocol::http2

// SPDX-License-Identifier: Apache-2.0
// Held HTTP/1.1 connections (hold/connection_holder): no hello, and a keep-alive ping is one
// whole request whose answer response_parser reads as it arrives. held_answer also reads the
// answer to a WebSocket upgrade (ws_hold_codec).
//
// Thread-safety: as hold_codec.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "protocol/common/hold_codec.hpp"
#include "protocol/http1/response_parser.hpp"

namespace stampede::protocol::http1 {

/// One HTTP/1.1 answer, read as it arrives; only while it is awaited.
class held_answer final : public hold_codec::answer_state {
 public:
  /// Parses what `data` holds of the answer; what it leaves unconsumed is given again, with
  /// more, on the next call (an incomplete header block is never consumed in part).
  response_parser::result read(std::string_view data);
  const response_parser& parser() const { return parser_; }
  response_parser& parser() { return parser_; }
  /// The bytes of the answer consumed so far.
  std::uint64_t bytes() const { return bytes_; }

 private:
  response_parser parser_;
  std::uint64_t bytes_ = 0;
};

class http1_hold_codec final : public hold_codec {
 public:
  /// `ping_request`: the whole request, e.g. "GET / HTTP/1.1\r\nHost: h\r\n\r\n".
  explicit http1_hold_codec(std::string ping_request) : ping_request_(std::move(ping_request)) {}

  hold_message ping() const override { return {ping_request_, "ping on a held connection"}; }
  std::unique_ptr<answer_state> start_answer(hold_stage awaited) const override;
  hold_read read(hold_stage stage, std::string_view data, answer_state* answer) const override;
  hold_read on_close(hold_stage stage, answer_state* answer) const override;

 private:
  std::string ping_request_;
};

}  // namespace stampede::protocol::http1

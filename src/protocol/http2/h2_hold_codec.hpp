// SPDX-License-Identifier: Apache-2.0
// Held HTTP/2 connections with prior knowledge (h2c; hold/connection_holder): the hello is the
// client preface and an empty SETTINGS, answered by the server's SETTINGS; pings are PING
// frames answered by PING ACKs; the server's SETTINGS and PINGs are acknowledged; a GOAWAY is
// a drop. No stream is ever opened, so nothing else needs an answer.
//
// Thread-safety: as hold_codec.
#pragma once

#include <array>
#include <string_view>

#include "protocol/common/hold_codec.hpp"
#include "protocol/http2/h2_frames.hpp"

namespace stampede::protocol::http2 {

class h2_hold_codec final : public hold_codec {
 public:
  h2_hold_codec();

  hold_message hello() const override {
    return {frames::preface_and_settings, "held connection: sending the HTTP/2 preface"};
  }
  std::string_view hello_name() const override { return "HTTP/2 preface"; }
  hold_message ping() const override {
    return {{ping_.data(), ping_.size()}, "held connection: sending an HTTP/2 PING"};
  }
  hold_read read(hold_stage stage, std::string_view data, answer_state* answer) const override;
  hold_read on_close(hold_stage stage, answer_state* answer) const override;

 private:
  std::array<char, frames::header_size + frames::ping_payload> ping_{};
};

}  // namespace stampede::protocol::http2

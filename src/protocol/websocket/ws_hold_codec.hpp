// SPDX-License-Identifier: Apache-2.0
// Held WebSockets (hold/connection_holder): just enough of RFC 6455 to hold one. The hello is
// the upgrade request, answered 101; pings are masked ping frames answered by pongs; the
// server's pings are answered with pongs carrying their payload; its close is a drop; messages
// are read and forgotten.
//
// Thread-safety: as hold_codec.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "protocol/common/hold_codec.hpp"

namespace stampede::protocol::websocket {

/// A client's ping: FIN + opcode 9, masked, no payload; the head, then the mask key.
inline constexpr std::size_t held_ping_bytes = 6;

class ws_hold_codec final : public hold_codec {
 public:
  /// `upgrade_request`: the whole GET that upgrades a connection.
  explicit ws_hold_codec(std::string upgrade_request);

  hold_message hello() const override {
    return {upgrade_request_, "held connection: sending the WebSocket upgrade"};
  }
  std::string_view hello_name() const override { return "WebSocket upgrade"; }
  hold_message ping() const override {
    return {{ping_.data(), ping_.size()}, "held connection: sending a WebSocket ping"};
  }
  std::unique_ptr<answer_state> start_answer(hold_stage awaited) const override;
  hold_read read(hold_stage stage, std::string_view data, answer_state* answer) const override;
  hold_read on_close(hold_stage stage, answer_state* answer) const override;

 private:
  hold_read read_upgrade_answer(std::string_view data, answer_state* answer) const;

  std::string upgrade_request_;
  std::array<char, held_ping_bytes> ping_{};
};

}  // namespace stampede::protocol::websocket

// SPDX-License-Identifier: Apache-2.0
// What a held connection says in its protocol: the interface between the connection holder
// (hold/connection_holder), which knows no protocol, and one small codec per protocol
// (http1_hold_codec, ws_hold_codec, h2_hold_codec), made by engine/session_registry.
//
// A codec has no state of its own and is shared by every connection of a holder. What one
// connection must keep while an answer is awaited (an HTTP/1.1 response parser) is an
// answer_state that the codec makes and the holder keeps beside the connection only for that
// time, with the bytes of a partial frame or answer: an idle connection costs nothing but its
// slot in the holder. The holder calls read() once per frame or answer, never per byte.
//
// Thread-safety: a codec is immutable; its calls may run on several threads at once. An
// answer_state belongs to one connection, on its holder's thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "metrics/error_class.hpp"

namespace stampede::protocol {

/// Where a held connection is, which decides what its bytes can mean.
enum class hold_stage : std::uint8_t {
  hello,    ///< connected, the hello sent and its answer awaited (still connecting)
  idle,     ///< established, no ping waiting
  pinging,  ///< established, a ping waiting for its answer
};

/// Bytes a held connection sends, and what a failure to send them is called.
struct hold_message {
  std::string_view bytes;
  /// A failed send's message is this, ": " and the error ("held connection: sending a WebSocket
  /// pong: Broken pipe").
  std::string_view failure;
};

/// What one hold_codec call found: at the start of the bytes read, or when the server closed.
struct hold_read {
  enum class outcome : std::uint8_t {
    need_more,      ///< the bytes from `consumed` on are part of a frame or an answer: kept
    none,           ///< nothing to do but send the reply, if any (a message, a WINDOW_UPDATE)
    established,    ///< the hello is answered: the connection is held from now on
    ping_answered,  ///< the waiting ping is answered: `status`, `bytes_in`
    drop,           ///< the connection ends: `error` and `message` say why
  };
  /// The longest reply: a WebSocket control frame (head, mask key, 125 bytes of payload).
  static constexpr std::size_t max_reply = 2 + 4 + 125;

  outcome what = outcome::none;
  std::size_t consumed = 0;  ///< bytes of the input this call read
  /// Sent back first, before `what` is acted on: a pong, a SETTINGS ACK, a PING ACK.
  std::array<char, max_reply> reply_bytes{};
  std::size_t reply_size = 0;  ///< 0: no reply
  std::string_view reply_failure;
  int status = 0;              ///< ping_answered: the HTTP status; 0 for a pong or a PING ACK
  std::uint64_t bytes_in = 0;  ///< ping_answered: the answer's bytes
  /// drop: why; ping_answered: set when the server ends the connection after its answer (a
  /// drop once the ping is counted).
  metrics::error_class error = metrics::error_class::other;
  std::string message;

  std::string_view reply() const { return {reply_bytes.data(), reply_size}; }

  /// The connection ends: `error`, and `message` saying why.
  static hold_read dropped(metrics::error_class error, std::string message) {
    hold_read r;
    r.what = outcome::drop;
    r.error = error;
    r.message = std::move(message);
    return r;
  }
};

class hold_codec {
 public:
  /// What one connection keeps while an answer is awaited; made by start_answer.
  class answer_state {
   public:
    virtual ~answer_state() = default;
  };

  virtual ~hold_codec() = default;

  /// Sent once connected; no bytes: none, and a connection is established once connected.
  virtual hold_message hello() const { return {}; }
  /// The hello in messages: "no answer to the <name> within 10s of connecting".
  virtual std::string_view hello_name() const { return {}; }
  /// A keep-alive ping; its size is a ping's bytes out.
  virtual hold_message ping() const = 0;
  /// Called once the hello or a ping (`awaited`: hello or pinging) is sent; what it makes is
  /// handed to read() and on_close() until the answer came. Null: answers need no state.
  virtual std::unique_ptr<answer_state> start_answer(hold_stage /*awaited*/) const {
    return nullptr;
  }
  /// Reads one frame or answer from the start of `data` (bytes an earlier call left unread
  /// first). `answer`: what start_answer made for this connection, while the answer is awaited.
  virtual hold_read read(hold_stage stage, std::string_view data, answer_state* answer) const = 0;
  /// The server closed the connection at `stage`, hello or pinging (an idle connection's close
  /// is a drop of the holder's own): a drop, or the ping's answer when the close ends it.
  virtual hold_read on_close(hold_stage stage, answer_state* answer) const = 0;
};

}  // namespace stampede::protocol

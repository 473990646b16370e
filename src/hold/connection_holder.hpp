// SPDX-License-Identifier: Apache-2.0
// Many idle connections held open at little cost: the `connections` workload. The holder knows
// no protocol: what a connection sends once connected, its pings and how the server's bytes
// read (plain HTTP/1.1, a WebSocket, HTTP/2) come from its protocol::hold_codec.
//
// Held connections bypass the per-connection machinery of sessions (buffers, coroutines, Asio
// socket objects): each is a file descriptor and 16 bytes in a table, watched by one epoll
// instance of the holder's own that the worker's io_context waits on. A connection gets the
// codec's answer state (a response parser) only while a ping or its hello waits for its answer,
// and a buffer only while part of a frame or answer is read, so an idle connection costs no
// buffer at all. The codec is called once per frame or answer read, not per byte.
//
// Thread-safety: none; one holder per worker, used on its io_context's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "metrics/error_class.hpp"
#include "protocol/common/hold_codec.hpp"

namespace stampede::hold {

struct hold_settings {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  ///< rotated per connection
  /// Source addresses, rotated per connection; empty: the kernel picks. Bound without a port
  /// (IP_BIND_ADDRESS_NO_PORT), so ports are only unique per (source, destination) pair.
  std::vector<boost::asio::ip::address> bind_addresses;
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(10);
  /// Keep-alive: each connection sends the codec's ping this long after it was established
  /// and after each answer; unset: connections stay silent.
  std::optional<std::chrono::nanoseconds> ping_every;
  std::chrono::nanoseconds ping_timeout = std::chrono::seconds(30);
  /// The connections' protocol: once connected, each sends the codec's hello (if any) and
  /// counts as established once the codec reads its answer; pings and the server's frames go
  /// through it too. Shared by every connection; must be set.
  std::shared_ptr<const protocol::hold_codec> codec;
};

struct ping_result {
  bool failed = false;
  metrics::error_class error = metrics::error_class::other;
  std::string_view message;  ///< valid during the call
  int status = 0;            ///< 0 for a WebSocket or HTTP/2 ping (answered by a pong, a PING ACK)
  std::chrono::nanoseconds latency{};
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

/// What happens to held connections, as it happens.
class hold_listener {
 public:
  virtual void on_established(std::chrono::nanoseconds connect_time) = 0;
  virtual void on_connect_failed(metrics::error_class error, std::string_view message) = 0;
  /// An established connection ended before the hold did (the peer closed or reset it, or a
  /// ping failed: on_ping reports the failed ping, this call carries its error).
  virtual void on_dropped(metrics::error_class error, std::string_view message) = 0;
  virtual void on_ping(const ping_result& result) = 0;

 protected:
  ~hold_listener() = default;
};

class connection_holder {
 public:
  /// `expected`: how many connections this holder will open (its table is sized once).
  /// Throws std::invalid_argument when `settings` has no codec.
  connection_holder(boost::asio::io_context& ctx, hold_settings settings, hold_listener& listener,
                    std::size_t expected);
  ~connection_holder();
  connection_holder(const connection_holder&) = delete;
  connection_holder& operator=(const connection_holder&) = delete;

  /// Starts one non-blocking connect; the listener hears how it ends.
  void open();
  /// Closes every connection (and connect in progress) now; returns how many were established
  /// and still open.
  std::size_t close_all();

  std::size_t established_open() const { return open_; }
  std::size_t connecting() const { return connecting_; }

 private:
  /// `handshaking`: connected, the codec's hello (the WebSocket upgrade, the HTTP/2 preface)
  /// sent, its answer awaited (still counted as connecting).
  enum class state : std::uint8_t { free, connecting, handshaking, idle, pinging, closed };
  /// One connection: 16 bytes. `since` is when the connect or the ping started, or when the
  /// connection was last answered (for the next ping).
  struct slot {
    int fd = -1;
    state st = state::free;
    std::int64_t since_ns = 0;
  };
  /// A deadline or due time in a FIFO: entries are pushed in time order, so the front is next.
  struct due_entry {
    std::uint32_t slot;
    std::int64_t at_ns;
  };

  void wait_for_events();
  void on_events();
  /// The connect ended (its writable edge, or an error): `events` as epoll reported them.
  void on_connected(std::uint32_t i, std::uint32_t events);
  void established(std::uint32_t i);
  void on_readable(std::uint32_t i, bool hangup);
  /// A held connection's bytes, read by the codec one frame or answer at a time; a partial one
  /// is kept for the next read.
  void on_bytes(std::uint32_t i, std::string_view data);
  /// Acts on what the codec read (or made of the server's close); false once the connection
  /// is gone.
  bool on_read(std::uint32_t i, const protocol::hold_read& r);
  /// Sends the codec's hello.
  void start_handshake(std::uint32_t i);
  void fail_handshake(std::uint32_t i, metrics::error_class error, std::string_view message);
  /// `data` after what an earlier read left of a partial frame or answer (then held in
  /// `joined`).
  std::string_view after_partial(std::uint32_t i, std::string_view data, std::string& joined);
  /// Sends all of `m.bytes` at once (an idle connection's send buffer is empty: a short write
  /// means it is broken, and the connection is lost).
  bool send_bytes(std::uint32_t i, const protocol::hold_message& m);
  void send_ping(std::uint32_t i);
  /// The codec's answer state of connection `i`, if it has one.
  protocol::hold_codec::answer_state* answer_of(std::uint32_t i);
  static protocol::hold_stage stage_of(state st);
  /// The waiting ping was answered; false when the server ends the connection after it.
  bool finish_ping(std::uint32_t i, const protocol::hold_read& r);
  void fail_ping(std::uint32_t i, metrics::error_class error, std::string_view message);
  void drop(std::uint32_t i, metrics::error_class error, std::string_view message);
  /// The connection is lost: a failed ping (then the drop) when one was waiting, else a drop.
  void lose(std::uint32_t i, metrics::error_class error, std::string_view message);
  void release(std::uint32_t i);
  void arm_tick();
  void on_tick();
  static std::int64_t now_ns();

  boost::asio::io_context& ctx_;
  hold_settings settings_;
  const protocol::hold_codec& codec_;  ///< *settings_.codec
  hold_listener& listener_;
  int epoll_fd_ = -1;
  boost::asio::posix::stream_descriptor epoll_watch_;
  boost::asio::steady_timer tick_;
  std::vector<slot> slots_;
  std::vector<due_entry> connect_deadlines_;  ///< FIFO from connect_head_
  std::size_t connect_head_ = 0;
  std::vector<due_entry> ping_due_;  ///< FIFO from ping_head_; stale entries are skipped
  std::size_t ping_head_ = 0;
  std::vector<due_entry> ping_deadlines_;  ///< FIFO from ping_deadline_head_
  std::size_t ping_deadline_head_ = 0;
  /// Connections whose hello or ping awaits an answer the codec keeps state for (an HTTP/1.1
  /// response parser): only for that time.
  std::unordered_map<std::uint32_t, std::unique_ptr<protocol::hold_codec::answer_state>> answers_;
  /// Connections with part of a frame or answer read: only while the rest is awaited.
  std::unordered_map<std::uint32_t, std::string> partial_frames_;
  std::string read_buffer_;  ///< shared by every connection: reads happen one at a time
  std::size_t next_endpoint_ = 0;
  std::size_t next_bind_ = 0;
  std::size_t open_ = 0;
  std::size_t connecting_ = 0;
  bool closed_ = false;
  bool waiting_ = false;
  bool ticking_ = false;
};

}  // namespace stampede::hold

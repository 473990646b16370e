// SPDX-License-Identifier: Apache-2.0
// One user's WebSocket (RFC 6455, Beast): opened over the run's connector (ws:// or wss:// by
// the target's scheme), a reader that takes every message as it arrives (answering pings), and
// calls to send, receive with a deadline, and close.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connector.hpp"
#include "protocol/common/deadline_watch.hpp"
#include "protocol/common/message_socket.hpp"
#include "protocol/common/session.hpp"

namespace stampede::protocol::websocket {

using clock = std::chrono::steady_clock;

using ws_result = socket_result;
using ws_message = socket_message;

/// Thread-safety: none; lives on one worker's io_context. Create with std::make_shared: the
/// reader keeps the connection alive while it runs.
class ws_client final : public message_socket, public std::enable_shared_from_this<ws_client> {
 public:
  using message_observer = protocol::message_observer;

  ws_client(boost::asio::io_context& ctx, net::connector& connector, std::string host_header,
            std::chrono::nanoseconds connect_timeout, message_observer on_message);
  ~ws_client() override;
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Connects and upgrades `target` ("/ws/echo?x=1"). Handshake failures, including a status
  /// other than 101, are failed results.
  boost::asio::awaitable<ws_result> open(std::string_view target,
                                         std::span<const header_view> headers,
                                         std::chrono::nanoseconds timeout) override;
  boost::asio::awaitable<ws_result> send(std::string_view payload, bool binary,
                                         std::chrono::nanoseconds timeout) override;
  /// The next message received (already, or before `deadline`); nullopt-like failure with
  /// request_timeout when none comes, or the error that ended the connection.
  boost::asio::awaitable<ws_result> receive(ws_message& out, clock::time_point deadline) override;
  /// While false, messages are counted (the observer) but not kept for receive(): a hold only
  /// counts them, and thousands of held sockets must not each queue what they were sent.
  void keep_received(bool keep) override {
    keep_ = keep;
    if (!keep) {
      received_.clear();
    }
  }
  /// The close handshake, bounded by `timeout`; the socket is closed either way.
  boost::asio::awaitable<void> close(std::chrono::nanoseconds timeout) override;
  /// Closes the socket now (a stop, a reopen); pending calls end at once.
  void abort() noexcept override;
  bool is_open() const noexcept override { return open_; }
  /// `gauge` counts this socket while it is open (the worker's open connections); it must
  /// outlive the socket's last close.
  void count_open_in(std::uint64_t* gauge) noexcept override { open_gauge_ = gauge; }

  class connection;  ///< the Beast stream, over TCP or TLS (defined in the .cpp)

 private:
  boost::asio::awaitable<void> read_loop(std::shared_ptr<ws_client> self,
                                         std::shared_ptr<connection> conn);
  void set_open(bool open) noexcept;

  boost::asio::io_context& ctx_;
  net::connector& connector_;
  std::string host_header_;
  std::chrono::nanoseconds connect_timeout_;
  message_observer on_message_;
  std::shared_ptr<connection> conn_;
  bool open_ = false;
  std::uint64_t* open_gauge_ = nullptr;
  std::string ended_;  ///< why the reader stopped, for a receive that waited in vain
  metrics::error_class ended_class_ = metrics::error_class::reset;
  std::deque<ws_message> received_;
  bool keep_ = true;
  boost::asio::steady_timer arrived_;  ///< wakes receive() when a message or the end comes
  deadline_watch deadline_;            ///< open, send and close deadlines
};

}  // namespace stampede::protocol::websocket

// SPDX-License-Identifier: Apache-2.0
// A message socket as the engine sees one: opened with an HTTP upgrade, then messages both
// ways until it closes. The WebSocket client is the one implementation today; the engine
// reaches it only through this interface, made by its session registry.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "metrics/error_class.hpp"
#include "protocol/common/session.hpp"

namespace stampede::protocol {

/// What one socket operation did. Failures are data, as for HTTP exchanges.
struct socket_result {
  bool failed = false;
  metrics::error_class error = metrics::error_class::other;
  std::string message;
  // open() only:
  std::chrono::nanoseconds connect_time{};
  std::chrono::nanoseconds tls_time{};
  std::chrono::nanoseconds handshake_time{};  ///< the HTTP upgrade, request to its answer
  std::uint64_t bytes_out = 0;                ///< send(): the message's payload
};

struct socket_message {
  std::string data;
  bool binary = false;
  std::chrono::steady_clock::time_point received_at{};
};

/// Called for every message received, as it arrives; the payload is valid only during the call.
using message_observer = std::function<void(std::string_view payload)>;

/// Thread-safety: none; lives on one worker's io_context.
class message_socket {
 public:
  using clock = std::chrono::steady_clock;

  virtual ~message_socket() = default;

  /// Connects and upgrades `target` ("/ws/echo?x=1"). Handshake failures, including an answer
  /// that refuses the upgrade, are failed results.
  virtual boost::asio::awaitable<socket_result> open(std::string_view target,
                                                     std::span<const header_view> headers,
                                                     std::chrono::nanoseconds timeout) = 0;
  virtual boost::asio::awaitable<socket_result> send(std::string_view payload, bool binary,
                                                     std::chrono::nanoseconds timeout) = 0;
  /// The next message received (already, or before `deadline`); a request_timeout failure when
  /// none comes, or the error that ended the connection.
  virtual boost::asio::awaitable<socket_result> receive(socket_message& out,
                                                        clock::time_point deadline) = 0;
  /// While false, messages are counted (the observer) but not kept for receive().
  virtual void keep_received(bool keep) = 0;
  /// The close handshake, bounded by `timeout`; the socket is closed either way.
  virtual boost::asio::awaitable<void> close(std::chrono::nanoseconds timeout) = 0;
  /// Closes the socket now (a stop, a reopen); pending calls end at once.
  virtual void abort() noexcept = 0;
  virtual bool is_open() const noexcept = 0;
  /// `gauge` counts this socket while it is open; it must outlive the socket's last close.
  virtual void count_open_in(std::uint64_t* gauge) noexcept = 0;
};

}  // namespace stampede::protocol

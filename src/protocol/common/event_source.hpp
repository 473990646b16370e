// SPDX-License-Identifier: Apache-2.0
// A subscription to a stream of server events as the engine sees one: opened with a request,
// then read event by event. Server-sent events over HTTP/1.1 are the one implementation today;
// the engine reaches them only through this interface, made by its session registry.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "metrics/error_class.hpp"
#include "protocol/common/session.hpp"

namespace stampede::protocol {

struct event_result {
  bool failed = false;
  metrics::error_class error = metrics::error_class::other;
  std::string message;
  bool connected = false;
  std::chrono::nanoseconds connect_time{};
  std::chrono::nanoseconds tls_time{};
  std::uint64_t bytes_in = 0;
};

/// Thread-safety: none; lives on one worker's io_context.
class event_source {
 public:
  using clock = std::chrono::steady_clock;

  virtual ~event_source() = default;

  /// Connects and subscribes to `target`; fails unless the server accepts within `timeout`.
  virtual boost::asio::awaitable<event_result> open(std::string_view target,
                                                    std::span<const header_view> headers,
                                                    std::chrono::nanoseconds timeout) = 0;
  /// The next event's data, waiting until `deadline` (request_timeout then), or why the stream
  /// ended. `received_at`: when the read that completed it returned.
  virtual boost::asio::awaitable<event_result> next(std::string& data,
                                                    clock::time_point& received_at,
                                                    clock::time_point deadline) = 0;
  /// Closes the connection now; a pending next() returns.
  virtual void close() noexcept = 0;
};

}  // namespace stampede::protocol

// SPDX-License-Identifier: Apache-2.0
// Server-sent events (text/event-stream) over HTTP/1.1: a subscription on its own connection,
// read as events arrive. The response is parsed by response_parser (chunked or close-delimited
// bodies alike) and its body split into events by sse_parser.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connector.hpp"
#include "protocol/common/deadline_watch.hpp"
#include "protocol/common/event_source.hpp"
#include "protocol/common/session.hpp"
#include "protocol/http1/response_parser.hpp"

namespace stampede::protocol::http1 {

/// Splits an event stream's body into events: the `data:` fields of each event joined by
/// newlines, an event ending at a blank line (other fields and comments are skipped).
class sse_parser {
 public:
  /// Feeds body bytes; appends each completed event's data to `events`.
  void feed(std::string_view bytes, std::vector<std::string>& events);

 private:
  void line(std::string_view text, std::vector<std::string>& events);
  std::string partial_;  ///< an unfinished line
  std::string data_;
  bool has_data_ = false;
};

using stream_result = event_result;

/// Thread-safety: none; lives on one worker's io_context. Create with std::make_shared.
class event_stream final : public event_source, public std::enable_shared_from_this<event_stream> {
 public:
  using clock = std::chrono::steady_clock;

  event_stream(boost::asio::io_context& ctx, net::connector& connector, std::string host_header,
               std::chrono::nanoseconds connect_timeout);
  ~event_stream() override;

  /// Connects and subscribes (GET target, Accept: text/event-stream); fails unless the answer
  /// is 200 within `timeout`.
  boost::asio::awaitable<stream_result> open(std::string_view target,
                                             std::span<const header_view> headers,
                                             std::chrono::nanoseconds timeout) override;
  /// The next event's data, waiting until `deadline` (request_timeout then), or why the
  /// stream ended. `received_at`: when the read that completed it returned.
  boost::asio::awaitable<stream_result> next(std::string& data, clock::time_point& received_at,
                                             clock::time_point deadline) override;
  /// Closes the connection now; a pending next() returns.
  void close() noexcept override;

 private:
  class body_sink;
  /// Reads once and parses; a failed result when the stream ended or broke.
  boost::asio::awaitable<stream_result> read_more();

  boost::asio::io_context& ctx_;
  net::connector& connector_;
  std::string host_header_;
  std::chrono::nanoseconds connect_timeout_;
  std::unique_ptr<net::stream> stream_;
  deadline_watch deadline_;  ///< of the connect, the subscription or the wait for an event
  bool closed_ = false;
  response_parser parser_;
  sse_parser events_parser_;
  std::vector<std::string> ready_;  ///< events parsed, not yet taken (front first)
  std::size_t taken_ = 0;
  clock::time_point ready_at_{};
  std::optional<stream_result> end_;  ///< how the stream ended, once it did (events may remain)
  std::vector<char> buffer_;
  std::size_t buffered_ = 0;  ///< unparsed bytes at the start of buffer_
};

}  // namespace stampede::protocol::http1

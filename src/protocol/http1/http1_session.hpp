// SPDX-License-Identifier: Apache-2.0
// HTTP/1.1 client session: one keep-alive connection, reopened when the server closes it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connector.hpp"
#include "protocol/common/deadline_watch.hpp"
#include "protocol/common/session.hpp"
#include "protocol/http1/response_parser.hpp"

namespace stampede::protocol::http1 {

/// Thread-safety: none; lives on one worker's io_context. Create with std::make_shared (the
/// deadline watch checks the session is still there when it wakes).
class http1_session final : public session, public std::enable_shared_from_this<http1_session> {
 public:
  using clock = std::chrono::steady_clock;

  http1_session(boost::asio::io_context& ctx, net::connector& connector, std::string host_header,
                std::chrono::nanoseconds connect_timeout);
  ~http1_session() override;

  boost::asio::awaitable<void> exchange(const request& req, response& resp,
                                        exchange_result& result) override;
  void close() noexcept override;
  bool connected() const noexcept override;

 private:
  boost::asio::awaitable<bool> open_connection(exchange_result& result);
  void serialize(const request& req);
  void fail(exchange_result& result, metrics::error_class error, std::string message);
  /// The same, the message in parts (formatted only when kept).
  void fail(exchange_result& result, metrics::error_class error, failure_text why);

  boost::asio::io_context& ctx_;
  net::connector& connector_;
  std::string host_header_;
  std::chrono::nanoseconds connect_timeout_;
  std::unique_ptr<net::stream> stream_;
  deadline_watch deadline_;  ///< of the connect or the exchange in flight
  bool closing_ = false;     ///< close() was called: stop, report nothing
  std::string write_buffer_;
  const void* write_buffer_key_ = nullptr;  ///< request::cache_key of what write_buffer_ holds
  std::vector<char> read_buffer_;
  std::size_t read_begin_ = 0;  ///< unconsumed bytes are [read_begin_, read_end_)
  std::size_t read_end_ = 0;
  response_parser parser_;
};

}  // namespace stampede::protocol::http1

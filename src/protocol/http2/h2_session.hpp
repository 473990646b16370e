// SPDX-License-Identifier: Apache-2.0
// HTTP/2 client session: one user's exchanges, each a stream on the connection it shares with
// other users of its pool slot. Opens (or reopens) that connection when it is needed.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "net/connector.hpp"
#include "protocol/common/session.hpp"
#include "protocol/http2/h2_link.hpp"
#include "protocol/http2/h2_pool.hpp"

namespace stampede::protocol::http2 {

/// Thread-safety: none; lives on one worker's io_context. Made by h2_pool::make_session.
class h2_session final : public session, private stream_resender {
 public:
  h2_session(boost::asio::io_context& ctx, net::connector& connector, std::shared_ptr<h2_pool> pool,
             std::shared_ptr<h2_slot> slot);
  ~h2_session() override;
  h2_session(const h2_session&) = delete;
  h2_session& operator=(const h2_session&) = delete;

  /// On a connection ready for another stream, starts the stream and returns the wait for its
  /// end (the link completes the exchange: no coroutine of the session's own in between);
  /// otherwise opens the connection first, in open_and_exchange.
  boost::asio::awaitable<void> exchange(const request& req, response& resp,
                                        exchange_result& result) override;
  /// Ends this user's exchange in flight (its stream is reset); the connection stays for the
  /// other users sharing it.
  void close() noexcept override;
  /// True while the shared connection is open and this session is the one counting it.
  bool connected() const noexcept override;

 private:
  /// The exchange when the connection must be opened first, or a request a GOAWAY refused is
  /// sent again (`attempt` > 0).
  boost::asio::awaitable<void> open_and_exchange(const request& req, response& resp,
                                                 exchange_result& result, int attempt);
  /// The slot's usable link, opening it if needed; nullptr with `result` failed or aborted.
  boost::asio::awaitable<std::shared_ptr<h2_link>> ready_link(exchange_result& result);
  boost::asio::awaitable<std::shared_ptr<h2_link>> open_link(exchange_result& result);
  /// A stream the link started without a coroutine of ours was refused unprocessed: the user
  /// goes on waiting while resend_refused sends it again.
  void resend(stream_call& call) override;
  boost::asio::awaitable<void> resend_refused();
  /// An exchange that ended before it started (submit refused): nothing left to wait for.
  static boost::asio::awaitable<void> ended();

  boost::asio::io_context& ctx_;
  net::connector& connector_;
  std::shared_ptr<h2_pool> pool_;
  std::shared_ptr<h2_slot> slot_;
  stream_call call_;
  /// The user's wait while resend_refused uses call_.signal for its own.
  wake_signal parked_;
  std::shared_ptr<h2_link> opening_;  ///< the link this session is opening
  bool closing_ = false;
};

}  // namespace stampede::protocol::http2

// SPDX-License-Identifier: Apache-2.0
// A pub/sub subscriber served by one connection: messages published on any thread are queued on
// the connection's own thread, in order, and taken with next().
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "target/pubsub_hub.hpp"

namespace stampede::target {

/// Thread-safety: deliver() from any thread; everything else on the executor's thread.
class queued_subscriber final : public pubsub_hub::subscriber,
                                public std::enable_shared_from_this<queued_subscriber> {
 public:
  using message = std::shared_ptr<const std::string>;
  using clock = std::chrono::steady_clock;

  explicit queued_subscriber(const boost::asio::any_io_executor& ex) : wake_(ex) {}

  void deliver(message m) override {
    boost::asio::post(wake_.get_executor(), [self = shared_from_this(), m = std::move(m)] {
      self->queue_.push_back(m);
      self->wake_.cancel();
    });
  }

  /// The next message, waiting until `deadline`; nullptr at the deadline or after close().
  boost::asio::awaitable<message> next(clock::time_point deadline = clock::time_point::max()) {
    while (queue_.empty() && !closed_ && clock::now() < deadline) {
      wake_.expires_at(deadline);
      co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    if (queue_.empty()) {
      co_return nullptr;
    }
    auto m = std::move(queue_.front());
    queue_.pop_front();
    co_return m;
  }

  /// Ends next() waits; later calls return what is queued, then nullptr.
  void close() {
    closed_ = true;
    wake_.cancel();
  }

 private:
  boost::asio::steady_timer wake_;
  std::deque<message> queue_;
  bool closed_ = false;
};

}  // namespace stampede::target

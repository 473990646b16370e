// SPDX-License-Identifier: Apache-2.0
// A pub/sub subscriber served by one connection: messages published on any thread are queued in
// the order they were published and taken, on the connection's thread, with next().
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "target/pubsub_hub.hpp"

namespace stampede::target {

/// Thread-safety: deliver() from any thread; next() and close() on the executor's thread.
class queued_subscriber final : public pubsub_hub::subscriber,
                                public std::enable_shared_from_this<queued_subscriber> {
 public:
  using message = std::shared_ptr<const std::string>;
  using clock = std::chrono::steady_clock;

  explicit queued_subscriber(const boost::asio::any_io_executor& ex) : wake_(ex) {}

  void deliver(message m) override {
    // Queued here, under the lock, not in a posted handler: handlers posted from different
    // threads may run out of order, and messages must not.
    bool post_wake = false;
    {
      const std::lock_guard lock(mutex_);
      queue_.push_back(std::move(m));
      post_wake = !wake_posted_;
      wake_posted_ = true;
    }
    if (post_wake) {
      boost::asio::post(wake_.get_executor(), [self = shared_from_this()] {
        {
          const std::lock_guard lock(self->mutex_);
          self->wake_posted_ = false;
        }
        self->wake_.cancel();
      });
    }
  }

  /// The next message, waiting until `deadline`; nullptr at the deadline or after close().
  boost::asio::awaitable<message> next(clock::time_point deadline = clock::time_point::max()) {
    while (true) {
      {
        const std::lock_guard lock(mutex_);
        if (!queue_.empty()) {
          auto m = std::move(queue_.front());
          queue_.pop_front();
          co_return m;
        }
      }
      if (closed_ || clock::now() >= deadline) {
        co_return nullptr;
      }
      // A wake posted meanwhile runs on this thread only once this wait has begun.
      wake_.expires_at(deadline);
      co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }

  /// Ends next() waits; later calls return what is queued, then nullptr.
  void close() {
    closed_ = true;
    wake_.cancel();
  }

 private:
  boost::asio::steady_timer wake_;
  std::mutex mutex_;  ///< guards queue_ and wake_posted_
  std::deque<message> queue_;
  bool wake_posted_ = false;
  bool closed_ = false;
};

}  // namespace stampede::target

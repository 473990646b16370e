// SPDX-License-Identifier: Apache-2.0
// The deadline of the one operation a connection has in flight (a connect, a request, an
// upgrade, a send, a wait for the next event), shared by every session kind: when it passes
// before the operation ends, `on_expiry` runs (it closes the connection, so the pending
// operation ends with an error) and timed_out() tells the operation why.
//
// Arming is a store: the timer is set only when it wakes (or when a deadline comes before the
// one it sleeps towards), so a request costs no timer system call. A wake-up before the
// deadline just sleeps again.
//
// Thread-safety: none; lives on its owner's io_context.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace stampede::protocol {

class deadline_watch {
 public:
  using clock = std::chrono::steady_clock;

  deadline_watch(boost::asio::io_context& ctx, std::function<void()> on_expiry)
      : timer_(ctx), on_expiry_(std::move(on_expiry)) {}
  deadline_watch(const deadline_watch&) = delete;
  deadline_watch& operator=(const deadline_watch&) = delete;

  /// Watches `deadline` for the operation starting now (timed_out() is false again). `owner`,
  /// an enable_shared_from_this holding this watch, is watched too: a wake-up after it is gone
  /// does nothing, and the watch never keeps it alive.
  template <class Owner>
  void arm(clock::time_point deadline, Owner& owner) {
    deadline_ = deadline;
    timed_out_ = false;
    if (!waiting_) {
      wait(owner.weak_from_this());
    } else if (deadline < expiry_) {
      timer_.cancel();  // asleep past the new deadline: wake up and sleep less
    }
  }
  /// The operation ended in time.
  void disarm() noexcept { deadline_ = clock::time_point::max(); }
  /// Disarms and lets the timer go now (the connection is closing).
  void cancel() noexcept {
    disarm();
    timer_.cancel();
  }
  /// The last armed deadline passed before the operation ended.
  bool timed_out() const noexcept { return timed_out_; }

 private:
  void wait(std::weak_ptr<const void> owner) {
    waiting_ = true;
    expiry_ = deadline_;
    timer_.expires_at(expiry_);
    timer_.async_wait([this, owner = std::move(owner)](const boost::system::error_code&) mutable {
      const auto alive = owner.lock();
      if (!alive) {
        return;  // the owner, and this watch with it, is gone
      }
      waiting_ = false;
      if (deadline_ == clock::time_point::max()) {
        return;
      }
      if (clock::now() >= deadline_) {
        timed_out_ = true;
        deadline_ = clock::time_point::max();
        on_expiry_();
        return;
      }
      wait(std::move(owner));
    });
  }

  boost::asio::steady_timer timer_;
  std::function<void()> on_expiry_;
  clock::time_point deadline_ = clock::time_point::max();
  clock::time_point expiry_ = clock::time_point::max();  ///< when the timer wakes
  bool waiting_ = false;
  bool timed_out_ = false;
};

}  // namespace stampede::protocol

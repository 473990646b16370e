// SPDX-License-Identifier: Apache-2.0
#include "protocol/http2/h2_session.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/duration_text.hpp"

namespace stampede::protocol::http2 {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
/// A request a GOAWAY refused unprocessed is sent again at most this many times.
constexpr int max_unprocessed_retries = 2;

}  // namespace

h2_session::h2_session(asio::io_context& ctx, net::connector& connector,
                       std::shared_ptr<h2_pool> pool, std::shared_ptr<h2_slot> slot)
    : ctx_(ctx),
      connector_(connector),
      pool_(std::move(pool)),
      slot_(std::move(slot)),
      call_(ctx),
      parked_(ctx) {}

h2_session::~h2_session() {
  close();
  if (slot_->owner == this) {
    slot_->owner = nullptr;
  }
  std::erase(slot_->waiting, &call_);
  pool_->detach(slot_);
}

bool h2_session::connected() const noexcept {
  return slot_->owner == this && slot_->link && slot_->link->is_open();
}

void h2_session::close() noexcept {
  closing_ = true;
  if (opening_) {
    opening_->close();  // the dial ends at once
  }
  if (call_.link != nullptr) {
    // A stream in flight: reset it; the exchange ends cut short, neither success nor failure.
    call_.link->cancel(call_);
    call_.result->aborted = true;
  }
  call_.signal.notify();
}

asio::awaitable<std::shared_ptr<h2_link>> h2_session::open_link(exchange_result& result) {
  auto& slot = *slot_;
  if (slot.link) {
    slot.pending_goaways += slot.link->take_goaways();
    slot.link.reset();  // a draining link lives on through its reader until its streams end
  }
  slot.opening = true;
  opening_ = std::make_shared<h2_link>(ctx_, connector_, pool_->settings());
  const bool ok = co_await opening_->open(result);
  auto link = std::move(opening_);
  slot.opening = false;
  ++slot.attempts;
  slot.last_open_failed = !ok && !closing_;
  if (ok) {
    slot.link = link;
    slot.owner = this;
  } else if (slot.last_open_failed) {
    slot.failure_class = result.error;
    slot.failure_message = result.describe();
  }
  for (auto* waiter : std::exchange(slot.waiting, {})) {
    waiter->signal.notify();
  }
  if (!ok) {
    if (closing_) {
      result.clear();
      result.aborted = true;
    }
    co_return nullptr;
  }
  co_return link;
}

asio::awaitable<std::shared_ptr<h2_link>> h2_session::ready_link(exchange_result& result) {
  while (true) {
    if (closing_) {
      result.aborted = true;
      co_return nullptr;
    }
    auto& slot = *slot_;
    if (slot.link && slot.link->usable()) {
      co_return slot.link;
    }
    if (!slot.opening) {
      co_return co_await open_link(result);
    }
    // Another user of this connection is opening it: wait for the outcome.
    const auto attempt = slot.attempts;
    slot.waiting.push_back(&call_);
    co_await call_.signal.wait();
    std::erase(slot.waiting, &call_);
    if (!closing_ && slot.attempts != attempt && slot.last_open_failed) {
      result.failed = true;
      result.error = slot.failure_class;
      result.message = slot.failure_message;
      result.done_at = clock::now();
      co_return nullptr;
    }
  }
}

asio::awaitable<void> h2_session::exchange(const request& req, response& resp,
                                           exchange_result& result) {
  result.clear();
  resp.clear();
  result.http2 = true;
  result.goaways = std::exchange(slot_->pending_goaways, 0);
  closing_ = false;
  h2_link* const link = slot_->link.get();
  if (link == nullptr || !link->usable()) {
    return open_and_exchange(req, resp, result, 0);
  }
  if (slot_->owner == nullptr) {
    slot_->owner = this;  // the user that counted this connection is gone: take it over
  }
  call_.begin(req, resp, result);
  call_.resender = this;
  result.sent_at = clock::now();
  call_.deadline = result.sent_at + req.timeout;
  if (!link->submit(call_)) {
    return ended();
  }
  // Woken when the stream ends, fails or times out (the link's watchdog), or by close().
  return call_.signal.wait();
}

asio::awaitable<void> h2_session::ended() {
  co_return;
}

void h2_session::resend(stream_call&) {
  // The user's wait is parked, so nothing but the resend wakes it: the resend waits on the
  // signal itself, and wakes the user once the request was sent again (or could not be).
  call_.signal.move_waiter_to(parked_);
  asio::co_spawn(ctx_, resend_refused(), asio::detached);
}

asio::awaitable<void> h2_session::resend_refused() {
  co_await open_and_exchange(*call_.req, *call_.resp, *call_.result, 1);
  parked_.notify();
}

asio::awaitable<void> h2_session::open_and_exchange(const request& req, response& resp,
                                                    exchange_result& result, int attempt) {
  for (;; ++attempt) {
    if (attempt > 0) {
      // The server never saw it: send it again on a new connection, within the same timeout.
      result.clear_failure();
      resp.clear();
    }
    // Not a ?: with co_await in it: GCC 12 miscompiles co_await inside such expressions.
    std::shared_ptr<h2_link> link;
    if (slot_->link && slot_->link->usable() && !closing_) {
      link = slot_->link;
    } else {
      link = co_await ready_link(result);
    }
    if (!link) {
      co_return;
    }
    call_.begin(req, resp, result);
    call_.resender = nullptr;  // refusals come back here
    if (attempt == 0) {
      result.sent_at = clock::now();
    }
    call_.deadline = result.sent_at + req.timeout;
    if (!link->submit(call_)) {
      co_return;
    }
    // Woken when the stream ends, fails or times out (the link's watchdog), or by close().
    co_await call_.signal.wait();
    if (!call_.done) {
      result.aborted = true;  // close() reset the stream
      co_return;
    }
    result.goaways += std::exchange(slot_->pending_goaways, 0);
    if (slot_->owner == nullptr && slot_->link == link && link->is_open()) {
      slot_->owner = this;  // the user that counted this connection is gone: take it over
    }
    if (!call_.unprocessed || closing_ || attempt == max_unprocessed_retries) {
      co_return;
    }
  }
}

}  // namespace stampede::protocol::http2

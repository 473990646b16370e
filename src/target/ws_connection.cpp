// SPDX-License-Identifier: Apache-2.0
#include "target/ws_connection.hpp"

#include <deque>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "target/routes.hpp"

namespace stampede::target {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// A /ws/pubsub connection as the hub sees it: messages are queued on the connection's own
/// thread and written in order by its writer.
template <class Stream>
class ws_subscriber final : public pubsub_hub::subscriber,
                            public std::enable_shared_from_this<ws_subscriber<Stream>> {
 public:
  using ws_stream = websocket::stream<Stream>;

  ws_subscriber(ws_stream& ws, target_stats& stats)
      : ws_(ws), stats_(stats), wake_(ws.get_executor()), finished_(ws.get_executor()) {}

  void deliver(std::shared_ptr<const std::string> message) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), message = std::move(message)] {
      self->queue_.push_back(message);
      self->wake_.cancel();
    });
  }

  /// `self` keeps the subscriber alive while the writer runs.
  asio::awaitable<void> write_loop([[maybe_unused]] std::shared_ptr<ws_subscriber> self) {
    while (!done_) {
      while (!queue_.empty() && !done_) {
        const auto message = queue_.front();
        queue_.pop_front();
        ws_.text(true);
        auto [ec, n] = co_await ws_.async_write(asio::buffer(*message), use_tuple);
        if (ec) {
          done_ = true;
          break;
        }
        stats_.websocket_messages_out.fetch_add(1, std::memory_order_relaxed);
      }
      if (done_) {
        break;
      }
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(use_tuple);
    }
    writer_done_ = true;
    finished_.cancel();
  }

  /// Ends the writer and waits for it, so the stream outlives its last write.
  asio::awaitable<void> stop() {
    done_ = true;
    wake_.cancel();
    while (!writer_done_) {
      finished_.expires_at(asio::steady_timer::time_point::max());
      co_await finished_.async_wait(use_tuple);
    }
  }

 private:
  ws_stream& ws_;
  target_stats& stats_;
  asio::steady_timer wake_;
  asio::steady_timer finished_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool done_ = false;
  bool writer_done_ = false;
};

http::request<http::empty_body> handshake_of(const detail::request& req) {
  http::request<http::empty_body> out;
  out.method(http::verb::get);
  out.target(req.target);
  out.version(11);
  out.set(http::field::host, "stampede-target");
  out.set(http::field::upgrade, "websocket");
  out.set(http::field::connection, "upgrade");
  out.set(http::field::sec_websocket_key, req.websocket_key);
  out.set(http::field::sec_websocket_version, req.websocket_version);
  return out;
}

template <class Stream>
asio::awaitable<void> serve(Stream socket, const detail::request& req, std::string_view path,
                            std::string_view query, target_stats& stats, pubsub_hub& hub) {
  websocket::stream<Stream> ws(std::move(socket));
  ws.read_message_max(max_websocket_message);
  ws.auto_fragment(false);
  // A subscriber is subscribed before its handshake is answered: once the client has the 101,
  // every later publish reaches it (the writer sends what queued meanwhile).
  const bool subscriber = path == "/ws/pubsub";
  const std::string channel(subscriber ? query_param(query, "channel") : std::string_view());
  std::shared_ptr<ws_subscriber<Stream>> sub;
  if (subscriber) {
    sub = std::make_shared<ws_subscriber<Stream>>(ws, stats);
    hub.subscribe(channel, sub);
  }
  auto [accept_ec] = co_await ws.async_accept(handshake_of(req), use_tuple);
  if (accept_ec) {
    if (sub) {
      hub.unsubscribe(channel, sub);
    }
    co_return;
  }
  stats.websockets_open.fetch_add(1, std::memory_order_relaxed);
  beast::flat_buffer buffer;
  if (!subscriber) {
    while (true) {
      auto [ec, n] = co_await ws.async_read(buffer, use_tuple);
      if (ec) {
        break;  // closed, or a protocol error Beast already answered with a close code
      }
      stats.websocket_messages_in.fetch_add(1, std::memory_order_relaxed);
      ws.text(ws.got_text());
      auto [wec, written] = co_await ws.async_write(buffer.data(), use_tuple);
      if (wec) {
        break;
      }
      stats.websocket_messages_out.fetch_add(1, std::memory_order_relaxed);
      buffer.consume(buffer.size());
    }
  } else {
    asio::co_spawn(ws.get_executor(), sub->write_loop(sub), asio::detached);
    // Subscribers only listen; what they send is read (answering pings and the close) and
    // dropped.
    while (true) {
      auto [ec, n] = co_await ws.async_read(buffer, use_tuple);
      if (ec) {
        break;
      }
      stats.websocket_messages_in.fetch_add(1, std::memory_order_relaxed);
      buffer.consume(buffer.size());
    }
    hub.unsubscribe(channel, sub);
    co_await sub->stop();
  }
  stats.websockets_open.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

asio::awaitable<void> serve_websocket(detail::tcp_stream socket, const detail::request& req,
                                      std::string_view path, std::string_view query,
                                      target_stats& stats, pubsub_hub& hub) {
  return serve(std::move(socket), req, path, query, stats, hub);
}

asio::awaitable<void> serve_websocket(detail::tls_stream socket, const detail::request& req,
                                      std::string_view path, std::string_view query,
                                      target_stats& stats, pubsub_hub& hub) {
  return serve(std::move(socket), req, path, query, stats, hub);
}

}  // namespace stampede::target

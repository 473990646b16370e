// SPDX-License-Identifier: Apache-2.0
#include "target/ws_connection.hpp"

#include <deque>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "target/queued_subscriber.hpp"
#include "target/routes.hpp"

namespace stampede::target {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

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
  std::shared_ptr<queued_subscriber> sub;
  if (subscriber) {
    sub = std::make_shared<queued_subscriber>(ws.get_executor());
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
      // Counted before writing, so a client that has the echo finds it counted.
      stats.websocket_messages_out.fetch_add(1, std::memory_order_relaxed);
      auto [wec, written] = co_await ws.async_write(buffer.data(), use_tuple);
      if (wec) {
        break;
      }
      buffer.consume(buffer.size());
    }
  } else {
    // Subscribers only listen: what they send is read (answering pings and the close) and
    // dropped, while published messages are written in order. Whichever ends first (the
    // client went, a write failed) ends the other.
    using namespace asio::experimental::awaitable_operators;
    const auto listen = [&]() -> asio::awaitable<void> {
      while (true) {
        auto [ec, n] = co_await ws.async_read(buffer, use_tuple);
        if (ec) {
          break;
        }
        stats.websocket_messages_in.fetch_add(1, std::memory_order_relaxed);
        buffer.consume(buffer.size());
      }
      sub->close();
    };
    const auto forward = [&]() -> asio::awaitable<void> {
      while (const auto message = co_await sub->next()) {
        ws.text(true);
        stats.websocket_messages_out.fetch_add(1, std::memory_order_relaxed);
        auto [ec, n] = co_await ws.async_write(asio::buffer(*message), use_tuple);
        if (ec) {
          break;
        }
      }
    };
    co_await (listen() || forward());
    hub.unsubscribe(channel, sub);
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

// SPDX-License-Identifier: Apache-2.0
#include "target/sse_stream.hpp"

#include <array>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "target/queued_subscriber.hpp"

namespace stampede::target {
namespace {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view stream_head =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    "Connection: close\r\n\r\n";

template <class Stream>
asio::awaitable<void> serve(Stream& stream, std::string_view channel_name, target_stats& stats,
                            pubsub_hub& hub) {
  const std::string channel(channel_name);
  // Subscribed before the head goes out: a client that has the head gets every later message.
  auto sub = std::make_shared<queued_subscriber>(stream.get_executor());
  hub.subscribe(channel, sub);
  stats.sse_open.fetch_add(1, std::memory_order_relaxed);
  stats.bytes_out.fetch_add(stream_head.size(), std::memory_order_relaxed);
  auto [head_ec, head_n] = co_await asio::async_write(stream, asio::buffer(stream_head), use_tuple);
  if (!head_ec) {
    using namespace asio::experimental::awaitable_operators;
    // The client sends nothing more; a read ends when it goes.
    const auto watch = [&]() -> asio::awaitable<void> {
      std::array<char, 256> sink{};
      while (true) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
        if (ec) {
          break;
        }
      }
      sub->close();
    };
    const auto forward = [&]() -> asio::awaitable<void> {
      std::string event;
      while (const auto message = co_await sub->next()) {
        event = sse_event(*message);
        // Counted before writing, so a client that has the event finds it counted.
        stats.bytes_out.fetch_add(event.size(), std::memory_order_relaxed);
        stats.sse_events.fetch_add(1, std::memory_order_relaxed);
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(event), use_tuple);
        if (ec) {
          break;
        }
      }
    };
    co_await (watch() || forward());
  }
  hub.unsubscribe(channel, sub);
  stats.sse_open.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

std::string sse_event(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 16);
  std::size_t start = 0;
  while (true) {
    const auto end = message.find('\n', start);
    auto line = message.substr(start, end == std::string_view::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    out.append("data: ").append(line).append("\n");
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  out.append("\n");
  return out;
}

asio::awaitable<void> serve_sse(detail::tcp_stream& stream, std::string_view channel,
                                target_stats& stats, pubsub_hub& hub) {
  return serve(stream, channel, stats, hub);
}

asio::awaitable<void> serve_sse(detail::tls_stream& stream, std::string_view channel,
                                target_stats& stats, pubsub_hub& hub) {
  return serve(stream, channel, stats, hub);
}

}  // namespace stampede::target

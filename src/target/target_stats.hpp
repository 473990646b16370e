// SPDX-License-Identifier: Apache-2.0
// What the built-in target saw: the oracle integration tests compare stampede's counts with.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace stampede::target {

/// The endpoints counted separately in requests_by_path. `other` is any unknown path (answered
/// 404); `rejected` is a request the parser refused (answered 400, 413 or 431, then closed).
enum class endpoint : std::uint8_t {
  root,
  delay,
  status,
  bytes,
  echo,
  json,
  close,
  ws_echo,    ///< WebSocket handshakes
  ws_pubsub,  ///< WebSocket handshakes
  publish,
  sse,
  longpoll,
  cookie_set,
  cookie,
  redirect,
  other,
  rejected
};
inline constexpr auto endpoint_paths = std::to_array<std::string_view>(
    {"/", "/delay", "/status", "/bytes", "/echo", "/json", "/close", "/ws/echo", "/ws/pubsub",
     "/publish", "/sse", "/longpoll", "/cookie/set", "/cookie", "/redirect", "other", "rejected"});

/// Counters shared by every target thread. Relaxed atomics: each counter is exact once the
/// traffic stops, which is when tests read them. A request is counted when it has been read,
/// before it is answered, so a client that got its response always finds it counted.
///
/// Nothing but lock-free atomics and no pointers inside, so the same object can live in memory
/// shared by several target processes (target --processes) and their /stats add up.
///
/// Thread-safety: every member may be used from any thread (and process).
struct target_stats {
  /// Requests read, of every endpoint, including /close and rejected ones; /stats and
  /// /stats/reset themselves are left out so that reading the oracle does not change it.
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> connections_accepted{0};
  /// Connections open now; not zeroed by reset(), since it describes the present.
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> bytes_in{0};   ///< request bytes parsed, /stats requests included
  std::atomic<std::uint64_t> bytes_out{0};  ///< response bytes written or being written
  std::array<std::atomic<std::uint64_t>, endpoint_paths.size()> by_endpoint{};
  std::atomic<std::uint64_t> websocket_messages_in{0};
  std::atomic<std::uint64_t> websocket_messages_out{0};
  std::atomic<std::int64_t> websockets_open{0};     ///< not zeroed by reset(), like connections
  std::atomic<std::uint64_t> published{0};          ///< messages given to POST /publish
  std::atomic<std::uint64_t> deliveries{0};         ///< copies handed to subscribers
  std::atomic<std::int64_t> sse_open{0};            ///< event streams open; not zeroed by reset()
  std::atomic<std::uint64_t> sse_events{0};         ///< events written to them
  std::atomic<std::int64_t> longpolls_waiting{0};   ///< not zeroed by reset()
  std::atomic<std::uint64_t> longpoll_messages{0};  ///< long polls answered with a message
  std::atomic<std::uint64_t> longpoll_timeouts{0};  ///< long polls answered 204

  void count(endpoint e) {
    requests.fetch_add(1, std::memory_order_relaxed);
    by_endpoint[static_cast<std::size_t>(e)].fetch_add(1, std::memory_order_relaxed);
  }
  /// Distinct source addresses are counted up to this many.
  static constexpr std::size_t max_remote_addresses = 16384;

  /// Records a connection's source address (once per connection, not per request), so tests
  /// can see that source-address rotation (--bind) reached the server. Lock-free: a slot of a
  /// fixed table per address.
  void note_remote(const boost::asio::ip::address& address);
  /// Zeroes everything but connections_open, and forgets the source addresses.
  void reset();
  /// {"requests", "remote_addresses" (distinct source addresses), "connections_accepted",
  /// "connections_open", "bytes_in", "bytes_out", "requests_by_path": {path: count},
  /// "websocket": {"open", "messages_in", "messages_out"}, "pubsub": {"published",
  /// "deliveries"}, "comet": {"sse_open", "sse_events", "longpolls_waiting",
  /// "longpoll_messages", "longpoll_timeouts"}}; paths never requested are left out.
  std::string to_json() const;

 private:
  /// Open addressing over address keys (never 0); remote_count_ counts the slots taken.
  std::array<std::atomic<std::uint64_t>, max_remote_addresses> remote_slots_{};
  std::atomic<std::uint64_t> remote_count_{0};
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
                  std::atomic<std::int64_t>::is_always_lock_free,
              "target_stats is shared between processes only through lock-free atomics");

}  // namespace stampede::target

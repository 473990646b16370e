// SPDX-License-Identifier: Apache-2.0
// The built-in target: an HTTP/1.1 keep-alive server with endpoints made for load tests, and
// the oracle (GET /stats) integration tests compare stampede's counts with.
//
//   GET /               a small fixed body
//   /delay?ms=N         answers after N ms (capped at 60000), without blocking its thread
//   /status?code=N      answers with status N (100..599; 400 otherwise)
//   /bytes?n=N          N bytes of body (at most 64 MiB; 400 beyond); &chunked=1 sends them chunked
//   /echo               the request body back (any method), with the request's Content-Type
//   /json               a JSON document, for checks and captures
//   /close              closes the connection without answering
//   /ws/echo, /ws/pubsub?channel=NAME           WebSocket (ws_connection.hpp)
//   GET /sse?channel=NAME                       server-sent events (sse_stream.hpp)
//   GET /longpoll?channel=NAME[&timeout_ms=N]   the next message, or 204
//   POST /publish?channel=NAME                  to every subscriber of NAME (pubsub_hub.hpp)
//   GET /stats          counters as JSON (see target_stats); POST /stats/reset zeroes them
//   anything else       404
//
// Requests may carry up to 64 KiB of headers (431 beyond) and 64 MiB of body (413 beyond).
// Keep-alive, Connection: close, HTTP/1.0, HEAD, pipelining and Expect: 100-continue work.
//
// Example (from target_server_test.cpp):
//   target_options o;
//   o.port = 0;                        // any free port
//   target_server server(o);           // bound and listening from here on
//   std::thread t([&] { server.run(); });
//   ... talk to 127.0.0.1:server.port() ...
//   server.stop();
//   t.join();
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "target/pubsub_hub.hpp"
#include "target/target_stats.hpp"

namespace stampede::target {

struct target_options {
  std::string host = "127.0.0.1";  ///< an address ("::1", no brackets) or a name to resolve
  std::uint16_t port = 8080;       ///< 0 picks a free port; see target_server::port()
  unsigned threads = 1;            ///< serving threads, each with its own loop; 0 counts as 1
  /// Stop run() on SIGINT and SIGTERM (the command line sets it; in-process users who own
  /// their signals leave it off). The handlers are installed by the constructor.
  bool stop_on_signals = false;
  /// PEM files: with both, every connection is TLS (ALPN h2 or http/1.1) instead of plain.
  std::string tls_cert;
  std::string tls_key;
  /// Counters to count into instead of the server's own: target --processes puts one set in
  /// memory shared by its processes. Must outlive the server.
  target_stats* shared_stats = nullptr;
  /// Join the other listeners on `port` (SO_REUSEPORT) instead of refusing a port another
  /// target already serves: set by target --processes for its processes.
  bool join_port = false;
};

/// Each thread owns an io_context and its own listening socket on the shared port
/// (SO_REUSEPORT): the kernel spreads new connections over the threads, and a connection lives
/// on one thread from accept to close, so threads share nothing but the relaxed counters. One
/// acceptor handing sockets to other threads would cost a cross-thread post per connection and
/// serialise accepts. The price: the kernel spreads by hash, so a handful of connections may
/// land unevenly.
///
/// Thread-safety: construct and run() on one thread; stop(), port(), endpoint() and stats()
/// from any thread.
class target_server {
 public:
  /// Binds and listens, so a port-0 server knows its port before run() and clients may connect
  /// at once. Throws boost::system::system_error when the host does not resolve or the address
  /// cannot be bound (also when another process already listens on the port).
  explicit target_server(const target_options& options);
  ~target_server();
  target_server(const target_server&) = delete;
  target_server& operator=(const target_server&) = delete;

  std::uint16_t port() const { return endpoint_.port(); }
  /// The bound address and port.
  const boost::asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }
  unsigned threads() const { return static_cast<unsigned>(shards_.size()); }
  bool tls() const { return tls_ != nullptr; }

  /// Serves until stop() or, with stop_on_signals, SIGINT or SIGTERM. Uses threads() threads,
  /// the caller's among them. Call it once; after stop() it returns at once.
  void run();
  /// Stops serving: run() returns soon after, cutting open connections. Safe before run().
  void stop();
  const target_stats& stats() const { return *stats_; }

 private:
  struct shard;
  std::shared_ptr<target_stats> stats_;
  std::shared_ptr<pubsub_hub> hub_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  ///< null: plain TCP
  std::vector<std::unique_ptr<shard>> shards_;
  boost::asio::ip::tcp::endpoint endpoint_;
  /// Set when a failing accept has been reported, cleared by the next accept that succeeds.
  std::atomic<bool> accept_failure_reported_{false};
};

}  // namespace stampede::target

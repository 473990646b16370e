// SPDX-License-Identifier: Apache-2.0
// The built-in target: an HTTP/1.1 keep-alive server with endpoints made for load tests, and
// the oracle (GET /stats) integration tests compare stampede's counts with.
//
//   /               a small fixed body
//   /delay?ms=N     answers after N ms (at most 60000), without blocking its thread
//   /status?code=N  answers with status N (100..599)
//   /bytes?n=N      N bytes of body (at most 64 MiB); &chunked=1 sends them chunked
//   /echo           the request body back, with its Content-Type
//   /json           a JSON document, for checks and captures
//   /close          closes the connection without answering
//   GET /stats      counters as JSON; POST /stats/reset zeroes them
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "target/target_stats.hpp"

namespace stampede::target {

struct target_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0 picks a free port; see target_server::port()
  unsigned threads = 1;
};

/// Thread-safety: construct and run() from one thread; stop() from any thread or a signal
/// handler's thread; stats() from any thread.
class target_server {
 public:
  /// Binds and listens (so a port-0 server knows its port before run()). Throws
  /// boost::system::system_error when the address cannot be bound.
  explicit target_server(const target_options& options);
  ~target_server();

  std::uint16_t port() const { return port_; }
  /// Serves until stop(); uses options.threads threads (the caller's among them).
  void run();
  void stop();
  const target_stats& stats() const { return *stats_; }

 private:
  struct shard;
  std::vector<std::unique_ptr<shard>> shards_;
  std::shared_ptr<target_stats> stats_;
  std::uint16_t port_ = 0;
};

}  // namespace stampede::target

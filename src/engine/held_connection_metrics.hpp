// SPDX-License-Identifier: Apache-2.0
// Records what a connections phase's held connections do into the worker's metrics: connects
// (time, failures by cause), drops, keep-alive pings as requests (a WebSocket's ping answered
// by a pong has no status), and the open-connections gauge.
#pragma once

#include <cstdint>

#include "hold/connection_holder.hpp"
#include "metrics/metric_set.hpp"

namespace stampede::engine {

/// Thread-safety: none; on the worker's thread. `current` is the worker's metric set (its
/// address stays the same when a report takes its contents), `open_gauge` its open-connections
/// count; both outlive this.
class held_connection_metrics final : public hold::hold_listener {
 public:
  /// `websockets`: the connections are held WebSockets, counted as WebSockets opened too.
  held_connection_metrics(metrics::metric_set& current, std::uint64_t& open_gauge, bool websockets)
      : m_(current), open_gauge_(open_gauge), websockets_(websockets) {}

  void on_established(std::chrono::nanoseconds connect_time) override;
  void on_connect_failed(metrics::error_class error, std::string_view message) override;
  void on_dropped(metrics::error_class error, std::string_view message) override;
  void on_ping(const hold::ping_result& r) override;
  /// The hold ended with `held` connections open; they close now.
  void on_hold_end(std::uint64_t held);

 private:
  metrics::metric_set& m_;
  std::uint64_t& open_gauge_;
  bool websockets_;
};

}  // namespace stampede::engine

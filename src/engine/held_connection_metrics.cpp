// SPDX-License-Identifier: Apache-2.0
#include "engine/held_connection_metrics.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/microseconds.hpp"

namespace stampede::engine {

using core::to_us;

void held_connection_metrics::on_established(std::chrono::nanoseconds connect_time) {
  ++m_.held_established;
  ++m_.connections_opened;
  if (websockets_) {
    ++m_.ws_opened;
  }
  m_.connect.record(to_us(connect_time));
  ++open_gauge_;
  m_.active_connections = std::max(m_.active_connections, open_gauge_);
}

void held_connection_metrics::on_connect_failed(metrics::error_class error,
                                                std::string_view message) {
  ++m_.held_failed;
  m_.record_error(error, message);
}

void held_connection_metrics::on_dropped(metrics::error_class error, std::string_view message) {
  ++m_.held_dropped;
  --open_gauge_;
  m_.record_error(error, message);
}

void held_connection_metrics::on_ping(const hold::ping_result& r) {
  ++m_.requests;
  m_.bytes_out += r.bytes_out;
  m_.bytes_in += r.bytes_in;
  if (r.failed) {
    ++m_.requests_failed;  // its error comes with the drop that follows
    return;
  }
  m_.latency.record(to_us(r.latency));
  if (r.status == 0) {
    return;  // a WebSocket's pong
  }
  m_.record_status(r.status);
  if (r.status >= 400) {
    ++m_.requests_failed;
    const auto text = [&] { return fmt::format("keep-alive ping -> {}", r.status); };
    m_.record_error(metrics::error_class::http_status, {&m_, r.status}, text, text);
  }
}

void held_connection_metrics::on_hold_end(std::uint64_t held) {
  m_.held_at_end += held;
  open_gauge_ -= std::min(open_gauge_, held);
}

}  // namespace stampede::engine

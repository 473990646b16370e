// SPDX-License-Identifier: Apache-2.0
// Server-sent event steps: a subscription on a connection of its own, read until its events,
// its duration or the phase ends.
#include "engine/flow_interpreter.hpp"

#include <algorithm>

#include "core/microseconds.hpp"
#include "engine/push_deliveries.hpp"

namespace stampede::engine {

namespace asio = boost::asio;
using core::to_us;

asio::awaitable<bool> flow_interpreter::run_sse(virtual_user& vu, const compiled_sse& s,
                                                const flow_phase& ph) {
  const auto& spec = *s.spec;
  vu.target_buffer.clear();
  spec.path.render_to(vu.variables, vu.target_buffer);
  render_headers(vu, s.headers);
  if (auto why = unsendable_reason(vu.target_buffer, spec.path.has_raw_values(), vu.header_views)) {
    record_unsendable(*why, spec.name);
    co_return false;
  }
  const auto stream = make_event_stream_(c_.ctx, c_.connector);
  vu.sse = stream;
  const auto began = clock::now();
  const auto opened = co_await stream->open(vu.target_buffer, vu.header_views, s.timeout);
  {
    auto& m = metrics();
    m.bytes_in += opened.bytes_in;
    if (opened.connected) {
      record_connect(opened.connect_time, opened.tls_time);
    }
    if (opened.failed) {
      if (!c_.stopping) {  // a stop cuts a subscription short; that is not the server's doing
        m.record_error(opened.error, opened.message);
        m.record_step(s.metric_index, true, 0);
      }
      vu.sse.reset();
      co_return false;
    }
    ++m.sse_streams;
    m.record_step(s.metric_index, false, 200);
    m.steps[s.metric_index].record(to_us(clock::now() - began));
  }
  // An open event stream is an open connection in the gauge, as a WebSocket is, until the
  // step ends however it ends.
  struct counted_open {
    std::uint64_t& gauge;
    ~counted_open() { --gauge; }
  } const counted{c_.open_connections};
  ++c_.open_connections;
  sample_gauges();
  // Until `events` arrived, `duration` passed or the phase ends, whichever comes first; the
  // end of the wait is the step's normal end, not an error.
  auto deadline = ph.end;
  if (spec.duration_) {
    deadline = std::min(deadline, clock::now() + *spec.duration_);
  }
  std::optional<clock::time_point> last_event;
  std::string data;
  for (std::uint64_t received = 0; !spec.events || received < *spec.events; ++received) {
    clock::time_point at{};
    const auto next = co_await stream->next(data, at, deadline);
    auto& m = metrics();
    m.bytes_in += next.bytes_in;
    if (next.failed) {
      if (next.error != metrics::error_class::request_timeout && !c_.stopping) {
        m.record_error(next.error, next.message);
        vu.sse.reset();
        co_return false;
      }
      break;
    }
    ++m.sse_events;
    record_push_delivery(data, vu.subscription(), m);
    if (last_event) {
      m.sse_gap.record(to_us(at - *last_event));
    }
    last_event = at;
  }
  stream->close();
  vu.sse.reset();
  settle_push_deliveries(vu.subscription(), metrics());
  co_return true;
}

void flow_interpreter::record_connect(std::chrono::nanoseconds connect_time,
                                      std::chrono::nanoseconds tls_time) {
  auto& m = metrics();
  ++m.connections_opened;
  m.connect.record(to_us(connect_time));
  if (tls_time.count() > 0) {
    m.tls.record(to_us(tls_time));
  }
}

}  // namespace stampede::engine

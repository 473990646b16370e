// SPDX-License-Identifier: Apache-2.0
// Stream steps of the flow: WebSocket open/send/expect/close, server-sent events, long polls and
// stamped publishes.
#include "engine/worker.hpp"
#include "engine/worker_phase.hpp"

#include <time.h>

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/duration_text.hpp"
#include "core/microseconds.hpp"
#include "core/unix_time.hpp"
#include "engine/held_connection_metrics.hpp"
#include "engine/push_deliveries.hpp"
#include "engine/rendered_request_check.hpp"
#include "engine/response_checks.hpp"
#include "net/loopback_sources.hpp"
#include "protocol/http1/connection_holder.hpp"
#include "push/push_stamp.hpp"
#include "scenario/json_path.hpp"

namespace stampede::engine {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace worker_limits;
using core::to_us;

}  // namespace

asio::awaitable<bool> worker::run_ws(virtual_user& vu, const compiled_ws& w, phase_state& ph) {
  namespace sc = scenario;
  const auto& step = *w.spec;
  if (const auto* open = std::get_if<sc::ws_open_step>(&step)) {
    vu.target_buffer.clear();
    open->path.render_to(vu.variables, vu.target_buffer);
    render_headers(vu, w.headers);
    if (auto why =
            unsendable_reason(vu.target_buffer, open->path.has_raw_values(), vu.header_views)) {
      record_unsendable(*why, open->name);
      co_return false;
    }
    // A new socket is a new subscription: the old one's gaps are lost messages.
    settle_push_deliveries(vu.subscription(), metrics());
    if (!vu.ws) {
      // Counted as they arrive, into the second they arrive in. The reader shares the
      // tracker, so a message arriving after the user is gone touches nothing freed.
      vu.ws = make_websocket_(ctx_, connector_,
                              [this, deliveries = vu.deliveries](std::string_view payload) {
                                auto& m = metrics();
                                ++m.ws_messages_in;
                                m.ws_bytes_in += payload.size();
                                record_push_delivery(payload, *deliveries, m);
                              });
      vu.ws->count_open_in(&open_connections_);
    }
    vu.ws_sent_at.reset();
    const auto r = co_await vu.ws->open(vu.target_buffer, vu.header_views, w.timeout);
    auto& m = metrics();
    if (r.connect_time.count() > 0) {
      ++m.connections_opened;
      m.connect.record(to_us(r.connect_time));
      if (r.tls_time.count() > 0) {
        m.tls.record(to_us(r.tls_time));
      }
    }
    if (r.failed) {
      m.record_error(r.error, r.message);
      co_return false;
    }
    ++m.ws_opened;
    sample_gauges();
    m.ws_handshake.record(to_us(r.handshake_time));
    m.steps[w.metric_index].record(to_us(r.handshake_time));
    co_return true;
  }
  if (const auto* send = std::get_if<sc::ws_send_step>(&step)) {
    std::string_view message;
    if (send->message.is_literal()) {
      message = send->message.text();
    } else {
      vu.body_buffer.clear();
      send->message.render_to(vu.variables, vu.body_buffer);
      message = vu.body_buffer;
    }
    if (!vu.ws) {
      metrics().record_error(metrics::error_class::protocol,
                             "send without an open WebSocket (add a ws: step before it)");
      co_return false;
    }
    const auto sent_at = clock::now();
    const auto r = co_await vu.ws->send(message, send->binary, w.timeout);
    auto& m = metrics();
    if (r.failed) {
      m.record_error(r.error, r.message);
      co_return false;
    }
    ++m.ws_messages_out;
    m.ws_bytes_out += r.bytes_out;
    vu.ws_sent_at = sent_at;
    co_return true;
  }
  if (const auto* expect = std::get_if<sc::ws_expect_step>(&step)) {
    if (!vu.ws) {
      metrics().record_error(metrics::error_class::protocol,
                             "expect without an open WebSocket (add a ws: step before it)");
      co_return false;
    }
    const auto deadline = clock::now() + expect->timeout;
    protocol::websocket::ws_message message;
    while (true) {
      const auto r = co_await vu.ws->receive(message, deadline);
      if (r.failed) {
        metrics().record_error(
            r.error, r.error == metrics::error_class::request_timeout
                         ? fmt::format("no WebSocket message matching {} within {}",
                                       expect->description, core::format_duration(expect->timeout))
                         : r.message);
        co_return false;
      }
      if (ws_matches(*expect, w, message.data, vu)) {
        break;
      }
    }
    if (vu.ws_sent_at) {
      metrics().ws_rtt.record(to_us(message.received_at - *vu.ws_sent_at));
      vu.ws_sent_at.reset();
    }
    co_return true;
  }
  if (const auto* hold = std::get_if<sc::ws_hold_step>(&step)) {
    if (vu.ws) {
      vu.ws->keep_received(false);
    }
    const bool held = co_await sleep_until(vu, clock::now() + hold->length, ph);
    if (vu.ws) {
      vu.ws->keep_received(true);
    }
    if (!held) {
      co_return false;
    }
    if (!vu.ws || !vu.ws->is_open()) {
      metrics().record_error(metrics::error_class::reset,
                             "the WebSocket was not open through the hold");
      co_return false;
    }
    co_return true;
  }
  // close
  if (vu.ws) {
    co_await vu.ws->close(w.timeout);
  }
  vu.ws_sent_at.reset();
  co_return true;
}

asio::awaitable<bool> worker::run_sse(virtual_user& vu, const compiled_sse& s, phase_state& ph) {
  const auto& spec = *s.spec;
  vu.target_buffer.clear();
  spec.path.render_to(vu.variables, vu.target_buffer);
  render_headers(vu, s.headers);
  if (auto why = unsendable_reason(vu.target_buffer, spec.path.has_raw_values(), vu.header_views)) {
    record_unsendable(*why, spec.name);
    co_return false;
  }
  const auto stream = make_event_stream_(ctx_, connector_);
  vu.sse = stream;
  const auto began = clock::now();
  const auto opened = co_await stream->open(vu.target_buffer, vu.header_views, s.timeout);
  {
    auto& m = metrics();
    m.bytes_in += opened.bytes_in;
    if (opened.connected) {
      ++m.connections_opened;
      m.connect.record(to_us(opened.connect_time));
      if (opened.tls_time.count() > 0) {
        m.tls.record(to_us(opened.tls_time));
      }
    }
    if (opened.failed) {
      if (!stopping_) {  // a stop cuts a subscription short; that is not the server's doing
        m.record_error(opened.error, opened.message);
      }
      vu.sse.reset();
      co_return false;
    }
    ++m.sse_streams;
    m.steps[s.metric_index].record(to_us(clock::now() - began));
  }
  // An open event stream is an open connection in the gauge, as a WebSocket is, until the
  // step ends however it ends.
  struct counted_open {
    std::uint64_t& gauge;
    ~counted_open() { --gauge; }
  } const counted{open_connections_};
  ++open_connections_;
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
      if (next.error != metrics::error_class::request_timeout && !stopping_) {
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

asio::awaitable<bool> worker::run_longpoll(virtual_user& vu, const compiled_longpoll& poll,
                                           phase_state& ph) {
  const auto& spec = *poll.spec;
  auto end = ph.end;
  if (spec.duration_) {
    end = std::min(end, clock::now() + *spec.duration_);
  }
  std::optional<clock::time_point> answered_at;
  for (std::uint64_t i = 0; (!spec.polls || i < *spec.polls) && before(end) && active(ph); ++i) {
    if (!co_await run_request(vu, poll.request, ph)) {
      co_return false;
    }
    const auto& r = vu.result;
    auto& m = metrics();
    ++m.longpoll_polls;
    if (r.failed) {
      answered_at.reset();
      continue;
    }
    if (answered_at && r.sent_at >= *answered_at) {
      m.longpoll_gap.record(to_us(r.sent_at - *answered_at));
    }
    answered_at = r.done_at;
    if (vu.response.status == 200) {
      ++m.longpoll_messages;
      record_push_delivery(vu.response.body, vu.subscription(), m);
    } else {
      ++m.longpoll_empty;
    }
  }
  settle_push_deliveries(vu.subscription(), metrics());
  co_return true;
}

asio::awaitable<bool> worker::run_publish(virtual_user& vu, const compiled_publish& publish,
                                          phase_state& ph) {
  const auto& spec = *publish.spec;
  const auto& path = publish.request.spec->path;
  const auto interval =
      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / spec.rate));
  const auto start = clock::now();
  auto end = ph.end;
  if (spec.duration_) {
    end = std::min(end, start + *spec.duration_);
  }
  std::string channel;
  std::string body;
  for (std::uint64_t i = 0; !spec.count || i < *spec.count; ++i) {
    // Sends keep to the schedule from the step's start: a slow answer makes the next ones
    // leave late (counted as schedule lag), never fewer of them.
    const auto due = start + interval * static_cast<std::int64_t>(i);
    if (due >= end) {
      break;
    }
    if (due > clock::now()) {
      if (!co_await sleep_until(vu, due, ph)) {
        break;
      }
    } else if (const auto lag = clock::now() - due; lag > late_start_tolerance) {
      ++metrics().late_starts;
      metrics().schedule_lag.record(to_us(lag));
    }
    if (!active(ph)) {
      break;
    }
    channel.clear();
    fmt::format_to(std::back_inserter(channel), "{}", i % spec.channels);
    vu.variables.set("channel", channel);
    vu.target_buffer.clear();
    path.render_to(vu.variables, vu.target_buffer);
    const auto stream = push::stream_id(ph.index, vu.id, vu.target_buffer);
    auto* sequence = [&]() -> std::uint64_t* {
      for (auto& [id, next] : vu.publish_sequences) {
        if (id == stream) {
          return &next;
        }
      }
      return &vu.publish_sequences.emplace_back(stream, 1).second;
    }();
    body.clear();
    push::write_stamp({stream, *sequence, core::unix_us()}, spec.size, body);
    // Sent on the step's own schedule: never through run_request, which in a constant
    // throughput phase would also wait for a send slot of the phase.
    const auto out = render_request(vu, publish.request, body);
    if (!refuse_unsendable(vu, publish.request, out)) {
      co_await vu.session->exchange(out, vu.response, vu.result);
    }
    if (!record_exchange(vu, publish.request, out, std::nullopt)) {
      co_return false;
    }
    const auto& r = vu.result;
    if (r.failed) {
      ++*sequence;  // the server may have taken it: a subscriber missing it is a loss
    } else if (vu.response.status < 400) {
      ++*sequence;
      ++metrics().push_published;
    }
    // A refusal (status >= 400) reuses the number: the server said it did not take it.
  }
  co_return true;
}

bool worker::ws_matches(const scenario::ws_expect_step& expect, const compiled_ws& w,
                        const std::string& data, virtual_user& vu) {
  using kind = scenario::ws_expect_step::kind;
  switch (expect.what) {
    case kind::any:
      return true;
    case kind::text:
      return data.find(expect.pattern) != std::string::npos;
    case kind::regex:
      return w.regex->search(data);
    case kind::json_path: {
      const auto doc = nlohmann::json::parse(data, nullptr, false);
      if (doc.is_discarded()) {
        return false;
      }
      const auto value = scenario::json_path_lookup(doc, expect.pattern);
      if (!value) {
        return false;
      }
      if (!expect.equals) {
        return true;
      }
      std::string wanted;
      expect.equals->render_to(vu.variables, wanted);
      return *value == wanted;
    }
  }
  return false;
}

}  // namespace stampede::engine

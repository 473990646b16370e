// SPDX-License-Identifier: Apache-2.0
// WebSocket steps: open (the upgrade), send, expect (a message matching text, a regex or a JSON
// path, within a timeout), hold (counted, not kept) and close.
#include "engine/flow_interpreter.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/duration_text.hpp"
#include "core/microseconds.hpp"
#include "engine/push_deliveries.hpp"
#include "scenario/json_path.hpp"

namespace stampede::engine {

namespace asio = boost::asio;
using core::to_us;

asio::awaitable<bool> flow_interpreter::run_ws(virtual_user& vu, const compiled_ws& w,
                                               const flow_phase& ph) {
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
      vu.ws = make_websocket_(c_.ctx, c_.connector,
                              [this, deliveries = vu.deliveries](std::string_view payload) {
                                auto& m = metrics();
                                ++m.ws_messages_in;
                                m.ws_bytes_in += payload.size();
                                record_push_delivery(payload, *deliveries, m);
                              });
      vu.ws->count_open_in(&c_.open_connections);
    }
    vu.ws_sent_at.reset();
    const auto r = co_await vu.ws->open(vu.target_buffer, vu.header_views, w.timeout);
    auto& m = metrics();
    if (r.connect_time.count() > 0) {
      record_connect(r.connect_time, r.tls_time);
    }
    if (r.failed) {
      m.record_error(r.error, r.message);
      m.record_step(w.metric_index, true, 0);
      co_return false;
    }
    ++m.ws_opened;
    m.record_step(w.metric_index, false, 101);
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
      if (const auto name = send->message.first_non_number(vu.variables); !name.empty()) {
        // Sent as it is, the value would break the JSON message.
        const auto text = [&] {
          return fmt::format("send: {{{{{}|number}}}} is '{}', not a number", name,
                             *vu.variables.find(name));
        };
        metrics().record_error(metrics::error_class::invalid_request,
                               {"a {{name|number}} value is not a number", 0}, text, text);
        co_return false;
      }
    }
    if (!vu.ws) {
      metrics().record_error(metrics::error_class::protocol,
                             "send without an open WebSocket (add a ws: step before it)");
      co_return false;
    }
    const auto sent_at = clock::now();
    const auto r = co_await vu.ws->send(message, send->binary, w.timeout);
    auto& m = metrics();
    if (r.failed && vu.interrupted) {
      co_return false;
    }
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
    if (vu.interrupted) {
      co_return false;  // its socket was closed by the graceful stop: no error of its own
    }
    if (!vu.ws) {
      metrics().record_error(metrics::error_class::protocol,
                             "expect without an open WebSocket (add a ws: step before it)");
      co_return false;
    }
    const auto deadline = clock::now() + expect->timeout;
    protocol::socket_message message;
    while (true) {
      const auto r = co_await vu.ws->receive(message, deadline);
      if (r.failed && vu.interrupted) {
        co_return false;  // cut by the graceful stop, not by the server
      }
      if (r.failed && r.error == metrics::error_class::request_timeout) {
        // One reason per expect step, formatted only when it is kept.
        const auto text = [&] {
          return fmt::format("no WebSocket message matching {} within {}", expect->description,
                             core::format_duration(expect->timeout));
        };
        metrics().record_error(r.error, {expect, 0}, text, text);
        co_return false;
      }
      if (r.failed) {
        metrics().record_error(r.error, r.message);
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

bool flow_interpreter::ws_matches(const scenario::ws_expect_step& expect, const compiled_ws& w,
                                  const std::string& data, virtual_user& vu) {
  using kind = scenario::ws_expect_step::kind;
  switch (expect.what) {
    case kind::any:
      return true;
    case kind::text: {
      if (expect.text.is_literal()) {
        return data.find(expect.text.text()) != std::string::npos;
      }
      std::string wanted;
      expect.text.render_to(vu.variables, wanted);
      return data.find(wanted) != std::string::npos;
    }
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

// SPDX-License-Identifier: Apache-2.0
// Request steps: rendered from their templates, refused when a rendered value would break
// them, sent on the user's session (at the schedule's send time when paced), and counted with
// their checks and captures.
#include "engine/flow_interpreter.hpp"

#include <fmt/format.h>

#include "core/microseconds.hpp"
#include "engine/response_checks.hpp"

namespace stampede::engine {

namespace asio = boost::asio;
using core::to_us;

namespace {

/// "json $.token", "header Location", "regex 'id=(\\d+)'": what a capture looks for.
std::string capture_description(const scenario::capture& c) {
  switch (c.from) {
    case scenario::capture::kind::json_path:
      return "json " + c.expression;
    case scenario::capture::kind::header:
      return "header " + c.expression;
    case scenario::capture::kind::regex:
      return "regex '" + c.expression + "'";
    case scenario::capture::kind::cookie:
      return "cookie " + c.expression;
  }
  return c.expression;
}

}  // namespace

asio::awaitable<bool> flow_interpreter::run_request(virtual_user& vu, const compiled_request& req,
                                                    const flow_phase& ph) {
  // Constant throughput: each request takes the next send time of this worker's slice, and its
  // latency counts from that time, so a stalled server cannot hide its stall.
  std::optional<clock::time_point> intended;
  if (ph.paced != nullptr) {
    const auto next = ph.paced->take_next();
    if (!next) {
      co_return false;
    }
    intended = ph.start + *next;
    if (!co_await sleep_until(vu, *intended, ph)) {
      co_return false;
    }
    record_lag(clock::now() - *intended);
  }

  const auto out = render_request(vu, req, {});
  if (refuse_unsendable(vu, req, out)) {
    co_return record_exchange(vu, req, out, intended);
  }
  co_await vu.session->exchange(out, vu.response, vu.result);
  if (take_session_state(vu, req, out.target)) {
    co_return co_await follow_redirects(vu, req, out, intended);
  }
  co_return record_exchange(vu, req, out, intended);
}

void flow_interpreter::record_unsendable(const unsendable& why, std::string_view step) {
  metrics().record_error(
      metrics::error_class::invalid_request, {why.reason.data(), 0},
      [&] { return std::string(why.reason); },
      [&] { return fmt::format("{}: {}", step, why.message); });
}

bool flow_interpreter::refuse_unsendable(virtual_user& vu, const compiled_request& req,
                                         const protocol::request& out) {
  if (!vu.missing_variable.empty()) {
    // Sending "{{token}}" would only make the server's error the first sign of a capture that
    // matched nothing.
    vu.result.clear();
    vu.result.failed = true;
    vu.result.error = metrics::error_class::capture;
    vu.result.why = protocol::failure_text::naming(
        "{{{{{}}}}} is not set: no capture or data column gave it a value, so the request was "
        "not sent",
        vu.missing_variable);
    return true;
  }
  if (req.spec->body && req.spec->body->has_number_values()) {
    if (const auto name = req.spec->body->first_non_number(vu.variables); !name.empty()) {
      // Sent as it is, the value would break the JSON document.
      vu.result.clear();
      vu.result.failed = true;
      vu.result.error = metrics::error_class::invalid_request;
      vu.result.message = fmt::format("{}: {{{{{}|number}}}} is '{}', not a number", req.spec->name,
                                      name, *vu.variables.find(name));
      vu.result.reason = "a {{name|number}} value is not a number";
      return true;
    }
  }
  if (!req.check_rendered) {
    return false;
  }
  auto why = unsendable_reason(
      out.target, req.spec->path.has_raw_values(),
      req.literal_headers ? std::span<const protocol::header_view>{} : out.headers);
  if (!why) {
    return false;
  }
  vu.result.clear();
  vu.result.failed = true;
  vu.result.error = metrics::error_class::invalid_request;
  vu.result.message = fmt::format("{}: {}", req.spec->name, why->message);
  vu.result.reason = why->reason;
  return true;
}

void flow_interpreter::render_headers(virtual_user& vu,
                                      const std::vector<compiled_header>& headers) {
  vu.header_views.clear();
  if (vu.header_buffers.size() < headers.size()) {
    vu.header_buffers.resize(headers.size());
  }
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const auto& h = headers[i];
    if (h.value.is_literal()) {
      vu.header_views.push_back({h.name, h.value.text()});  // no copy of what never changes
    } else {
      vu.header_buffers[i].clear();
      if (const auto missing = h.value.render_to(vu.variables, vu.header_buffers[i]);
          vu.missing_variable.empty()) {
        vu.missing_variable = missing;
      }
      vu.header_views.push_back({h.name, vu.header_buffers[i]});
    }
  }
}

protocol::request flow_interpreter::render_request(virtual_user& vu, const compiled_request& req,
                                                   std::string_view body) {
  const auto& spec = *req.spec;
  protocol::request out;
  out.method = spec.method;
  vu.missing_variable = {};
  if (spec.path.is_literal()) {
    out.target = spec.path.text();
  } else {
    vu.target_buffer.clear();
    vu.missing_variable = spec.path.render_to(vu.variables, vu.target_buffer);
    out.target = vu.target_buffer;
  }
  if (req.literal_headers) {
    out.headers = req.header_views;
  } else {
    render_headers(vu, req.headers);
    out.headers = vu.header_views;
  }
  out.cache_key = req.literal ? &req : nullptr;
  if (!body.empty()) {
    out.body = body;
  } else if (spec.body) {
    if (spec.body->is_literal()) {
      out.body = spec.body->text();
    } else {
      vu.body_buffer.clear();
      if (const auto missing = spec.body->render_to(vu.variables, vu.body_buffer);
          vu.missing_variable.empty()) {
        vu.missing_variable = missing;
      }
      out.body = vu.body_buffer;
    }
  }
  out.timeout = req.timeout;
  out.keep_headers = req.keep_headers;
  out.keep_body = req.keep_body;
  out.keep_session_fields = req.keep_session_fields;
  if (req.cookies && !vu.cookies.empty()) {
    add_cookie_field(vu, req, out);
  }
  return out;
}

void flow_interpreter::count_transfer(const protocol::exchange_result& r) {
  auto& m = metrics();
  m.bytes_in += r.bytes_in;
  m.bytes_out += r.bytes_out;
  if (r.http2) {
    ++m.http2_streams;
    m.streams_reset += r.stream_reset ? 1 : 0;
    m.goaways += r.goaways;
  }
  if (r.connected) {
    ++m.connections_opened;
    m.connect.record(to_us(r.connect_time));
    if (r.tls_time.count() > 0) {
      m.tls.record(to_us(r.tls_time));
    }
  }
}

bool flow_interpreter::record_exchange(virtual_user& vu, const compiled_request& req,
                                       const protocol::request& out,
                                       std::optional<clock::time_point> intended,
                                       std::optional<clock::time_point> chain_start) {
  const auto& spec = *req.spec;
  vu.track_connection();
  sample_gauges();
  const auto& r = vu.result;
  if (r.aborted) {
    return false;
  }
  auto& m = metrics();
  ++m.requests;
  ++m.scenario_requests[vu.scenario];
  count_transfer(r);
  if (r.failed) {
    ++m.requests_failed;
    ++m.scenario_failed[vu.scenario];
    m.record_step(req.metric_index, true, 0);
    if (!r.why.empty()) {
      // Nothing formatted per failure: the message is built once per new reason and sample.
      m.record_error(
          r.error, {r.why.format.data(), r.why.value_key()}, [&] { return r.why.describe(); },
          [&] { return r.why.describe(); });
    } else if (r.reason.empty()) {
      m.record_error(r.error, r.message);
    } else {
      m.record_error(
          r.error, {r.reason.data(), 0}, [&] { return std::string(r.reason); },
          [&] { return r.message; });
    }
    return true;
  }
  const auto latency = r.done_at - intended.value_or(r.sent_at);
  m.latency.record(to_us(latency));
  m.steps[req.metric_index].record(to_us(chain_start ? r.done_at - *chain_start : latency));
  m.scenario_latency[vu.scenario].record(to_us(latency));
  if (r.first_byte_at != clock::time_point{}) {
    m.ttfb.record(to_us(r.first_byte_at - r.sent_at));
  }
  const int status = vu.response.status;
  m.record_status(status);
  // A status outside [0, 600) is never expected: it counts in slot 0 of the status codes.
  const bool unexpected = status < 0 || status >= static_cast<int>(metrics::status_code_slots) ||
                          !req.ok_statuses.test(static_cast<std::size_t>(status));
  m.record_step(req.metric_index, unexpected, status);
  if (unexpected) {
    ++m.requests_failed;
    ++m.scenario_failed[vu.scenario];
    // One reason per step and status; the sample names the path as sent.
    m.record_error(
        metrics::error_class::http_status, {&spec, status},
        [&] { return fmt::format("{} -> {}", spec.name, status); },
        [&] { return fmt::format("{} {} -> {}", spec.method, out.target, status); });
  }
  if (!req.checks.empty() || !req.captures.empty()) {
    response_checks checks(vu.response, req.cookies || req.reads_cookies ? &vu.cookies : nullptr);
    for (const auto& c : req.checks) {
      if (checks.passes(*c.spec, vu.variables)) {
        ++m.checks_passed;
        ++m.check_passed[c.index];
      } else {
        ++m.checks_failed;
        ++m.check_failed[c.index];
        // The reason is the check; what was seen instead goes into the sample only.
        const auto& check_name = c_.plan.layout.checks[c.index];
        m.record_error(
            metrics::error_class::check_failed, {c.spec, 0}, [&] { return check_name; },
            [&] {
              std::string failure;
              checks.passes(*c.spec, vu.variables, &failure);
              return check_name + ": " + failure;
            });
      }
    }
    for (const auto& cap : req.captures) {
      if (auto value = checks.capture(*cap.spec, cap.regex.get())) {
        vu.variables.set(cap.spec->variable, std::move(*value));
      } else {
        // Counted, once per step and capture; the variable keeps what it had.
        const auto text = [&] {
          return fmt::format("{}: capture {} as {} matched nothing", spec.name,
                             capture_description(*cap.spec), cap.spec->variable);
        };
        m.record_error(metrics::error_class::capture, {cap.spec, 0}, text, text);
      }
    }
  }
  return true;
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// What a user carries from one response to its next requests, as a browser does: the cookies
// its responses set, and the redirects they answer with, each hop a request of its own.
#include <fmt/format.h>

#include "core/microseconds.hpp"
#include "core/text.hpp"
#include "engine/flow_interpreter.hpp"
#include "engine/redirect_rules.hpp"

namespace stampede::engine {

namespace asio = boost::asio;
using core::iequals;
using core::to_us;

namespace {

const std::string* location_of(const protocol::response& resp) {
  for (const auto& [name, value] : resp.headers) {
    if (iequals(name, "location")) {
      return &value;
    }
  }
  return nullptr;
}

}  // namespace

void flow_interpreter::add_cookie_field(virtual_user& vu, const compiled_request& req,
                                        protocol::request& out) {
  // A Cookie field the step gives itself is kept, the jar's cookies after it: one field in
  // all (RFC 6265 5.4).
  std::size_t given = out.headers.size();
  vu.cookie_field.clear();
  for (std::size_t i = 0; i < out.headers.size(); ++i) {
    if (iequals(out.headers[i].name, "cookie")) {
      given = i;
      vu.cookie_field.assign(out.headers[i].value);
      break;
    }
  }
  const auto before = vu.cookie_field.size();
  vu.cookies.header_for({req.origin_host, out.target, req.secure_origin},
                        std::chrono::system_clock::now(), vu.cookie_field);
  if (vu.cookie_field.size() == before) {
    return;
  }
  vu.headers_with_cookie.assign(out.headers.begin(), out.headers.end());
  if (given < vu.headers_with_cookie.size()) {
    vu.headers_with_cookie[given].value = vu.cookie_field;
  } else {
    vu.headers_with_cookie.push_back({"Cookie", vu.cookie_field});
  }
  out.headers = vu.headers_with_cookie;
  out.cache_key = nullptr;  // the same step, other bytes
}

bool flow_interpreter::take_session_state(virtual_user& vu, const compiled_request& req,
                                          std::string_view target) {
  if (req.reads_cookies && !req.cookies) {
    vu.cookies.clear();  // no jar: a cookie check sees this response's cookies only
  }
  const auto& r = vu.result;
  if (r.failed || r.aborted || vu.response.headers.empty()) {
    return false;
  }
  if (req.cookies || req.reads_cookies) {
    const auto now = std::chrono::system_clock::now();
    for (const auto& [name, value] : vu.response.headers) {
      if (iequals(name, "set-cookie")) {
        vu.cookies.store(value, {req.origin_host, target, req.secure_origin}, now);
      }
    }
  }
  return req.max_redirects > 0 && is_followed_redirect(vu.response.status) &&
         location_of(vu.response) != nullptr;
}

bool flow_interpreter::record_redirect_hop(virtual_user& vu, const compiled_request& req,
                                           std::optional<clock::time_point> intended) {
  vu.track_connection();
  sample_gauges();
  const auto& r = vu.result;
  auto& m = metrics();
  ++m.requests;
  ++m.scenario_requests[vu.scenario];
  count_transfer(r);
  // A hop is a request like any other in the counts and the latency, and of its step; the
  // step's own latency is the whole chain's, recorded with its last answer.
  const auto latency = to_us(r.done_at - intended.value_or(r.sent_at));
  m.latency.record(latency);
  m.scenario_latency[vu.scenario].record(latency);
  if (r.first_byte_at != clock::time_point{}) {
    m.ttfb.record(to_us(r.first_byte_at - r.sent_at));
  }
  m.record_status(vu.response.status);
  m.record_step(req.metric_index, false, vu.response.status);
  return true;
}

asio::awaitable<bool> flow_interpreter::follow_redirects(
    virtual_user& vu, const compiled_request& req, protocol::request out,
    std::optional<clock::time_point> intended) {
  const auto chain_start = intended.value_or(vu.result.sent_at);
  // The step's headers as rendered, without the jar's Cookie field of the first request.
  const std::span<const protocol::header_view> step_headers =
      req.literal_headers ? std::span<const protocol::header_view>(req.header_views)
                          : std::span<const protocol::header_view>(vu.header_views);
  auto hop_intended = intended;
  for (std::uint32_t hop = 0; hop < req.max_redirects; ++hop) {
    auto next = redirect_target(*location_of(vu.response), out.target, c_.plan.target);
    if (!next) {
      break;  // to another origin, or unsendable: this answer is the step's
    }
    record_redirect_hop(vu, req, hop_intended);
    hop_intended.reset();
    const auto after = after_redirect(vu.response.status, out.method);
    vu.redirect_target = std::move(*next);
    out.target = vu.redirect_target;
    out.method = after.method;
    vu.redirect_headers.clear();
    for (const auto& h : step_headers) {
      if (after.keeps_body || !iequals(h.name, "content-type")) {
        vu.redirect_headers.push_back(h);
      }
    }
    if (!after.keeps_body) {
      out.body = {};
    }
    out.headers = vu.redirect_headers;
    out.cache_key = nullptr;
    if (req.cookies) {
      add_cookie_field(vu, req, out);
    }
    co_await vu.session->exchange(out, vu.response, vu.result);
    // Awaited alone: GCC 12 miscompiles a co_await inside a && or || chain.
    const bool redirected = take_session_state(vu, req, out.target);
    if (!redirected) {
      break;
    }
  }
  co_return record_exchange(vu, req, out, hop_intended, chain_start);
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
#include "target/routes.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/percent_decoding.hpp"
#include "core/text.hpp"

namespace stampede::target {

std::string_view filler() {
  static const std::string block(filler_size, 'x');
  return block;
}

std::string_view query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
  std::uint64_t out = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return out;
}

std::string publish(pubsub_hub& hub, target_stats& stats, std::string_view channel,
                    std::string_view message) {
  const auto delivered = hub.publish(std::string(channel), std::string(message));
  stats.published.fetch_add(1, std::memory_order_relaxed);
  stats.deliveries.fetch_add(delivered, std::memory_order_relaxed);
  return nlohmann::json{{"channel", channel}, {"delivered", delivered}}.dump();
}

namespace {

route_plan text(unsigned code, std::string_view body) {
  route_plan p;
  p.code = code;
  p.body = body;
  return p;
}

/// RFC 6265 section 4.1.1: a cookie's name is an HTTP token, its value cookie-octets.
bool is_cookie_name(std::string_view name) {
  constexpr std::string_view separators = "()<>@,;:\\\"/[]?={} \t";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return c > 0x20 && c < 0x7f && separators.find(c) == std::string_view::npos;
  });
}
bool is_cookie_value(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
  });
}

/// /cookie/set?NAME=VALUE[&NAME=VALUE...]: a Set-Cookie field each, for the whole site.
route_plan set_cookies(std::string_view query) {
  constexpr std::string_view usage =
      "usage: /cookie/set?NAME=VALUE[&NAME=VALUE...] (a token and cookie characters)\n";
  route_plan p;
  p.body = "cookies set\n";
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || !is_cookie_name(pair.substr(0, eq)) ||
        !is_cookie_value(pair.substr(eq + 1))) {
      return text(400, usage);
    }
    p.set_cookies.push_back(std::string(pair) + "; Path=/");
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  if (p.set_cookies.empty()) {
    return text(400, usage);
  }
  return p;
}

/// /redirect?n=N&to=PATH[&status=CODE]: N redirects (each to the next, then to PATH).
route_plan redirect(std::string_view query) {
  constexpr std::uint64_t max_hops = 1000;
  constexpr std::string_view usage =
      "usage: /redirect?n=N&to=PATH[&status=301|302|303|307|308] (N from 1 to 1000; PATH "
      "percent-encoded, default /)\n";
  const auto n = parse_number(query_param(query, "n"));
  const auto status_text = query_param(query, "status");
  const auto status =
      status_text.empty() ? std::optional<std::uint64_t>(302) : parse_number(status_text);
  auto to = query_param(query, "to");
  if (!n || *n < 1 || *n > max_hops || !status ||
      (*status != 301 && *status != 302 && *status != 303 && *status != 307 && *status != 308)) {
    return text(400, usage);
  }
  route_plan p = text(static_cast<unsigned>(*status), "redirecting\n");
  if (*n > 1) {
    p.location = fmt::format("/redirect?n={}&to={}", *n - 1, to.empty() ? "/" : to);
    if (!status_text.empty()) {
      p.location += fmt::format("&status={}", *status);
    }
  } else {
    p.location = to.empty() ? std::string("/") : core::percent_decoded(to);
  }
  return p;
}

}  // namespace

route_plan plan_request(const request_view& request, target_stats& stats) {
  const auto method = request.method;
  const auto target = request.target;
  const auto q = target.find('?');
  const auto path = target.substr(0, q);
  const auto query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

  // The oracle's own endpoints are not counted: reading the counts must not change them.
  if (path == "/stats") {
    if (method != "GET" && method != "HEAD") {
      return text(405, "use GET /stats\n");
    }
    route_plan p;
    p.type = "application/json";
    p.owned = stats.to_json();
    p.body = p.owned;
    return p;
  }
  if (path == "/stats/reset") {
    if (method != "POST") {
      return text(405, "use POST /stats/reset\n");
    }
    stats.reset();
    route_plan p;
    p.type = "application/json";
    p.body = R"({"reset":true})";
    return p;
  }

  if (path == "/") {
    stats.count(endpoint::root);
    return text(200, root_body);
  }
  if (path == "/delay") {
    stats.count(endpoint::delay);
    const auto ms = parse_number(query_param(query, "ms"));
    if (!ms) {
      return text(400, "usage: /delay?ms=N (capped at 60000)\n");
    }
    auto p = text(200, root_body);
    p.delay = std::chrono::milliseconds(std::min(*ms, max_delay_ms));
    return p;
  }
  if (path == "/status") {
    stats.count(endpoint::status);
    const auto code = parse_number(query_param(query, "code"));
    if (!code || *code < 100 || *code > 599) {
      return text(400, "usage: /status?code=N (100..599)\n");
    }
    return text(static_cast<unsigned>(*code), root_body);
  }
  if (path == "/bytes") {
    stats.count(endpoint::bytes);
    // Over the cap is an error rather than a silently shorter body, which would confuse a
    // client that checks sizes.
    const auto n = parse_number(query_param(query, "n"));
    if (!n || *n > max_bytes) {
      return text(400, "usage: /bytes?n=N[&chunked=1] (N at most 67108864)\n");
    }
    route_plan p;
    p.type = "application/octet-stream";
    p.filler_bytes = *n;
    p.chunked = query_param(query, "chunked") == "1";
    return p;
  }
  if (path == "/echo") {
    stats.count(endpoint::echo);
    route_plan p;
    p.type = request.content_type.empty() ? std::string_view("application/octet-stream")
                                          : request.content_type;
    p.body = request.body;
    return p;
  }
  if (path == "/json") {
    stats.count(endpoint::json);
    route_plan p;
    p.type = "application/json";
    p.body = json_body;
    return p;
  }
  if (path == "/ws/echo" || path == "/ws/pubsub") {
    // Reached only without an upgrade: the connection hands WebSocket handshakes over before
    // planning.
    stats.count(path == "/ws/echo" ? endpoint::ws_echo : endpoint::ws_pubsub);
    return text(426, "use a WebSocket client (Upgrade: websocket)\n");
  }
  if (path == "/sse" || path == "/longpoll") {
    // Reached only over HTTP/2 or without a channel: HTTP/1.1 connections serve these before
    // planning.
    stats.count(path == "/sse" ? endpoint::sse : endpoint::longpoll);
    return text(400,
                "usage: GET /sse?channel=NAME or GET /longpoll?channel=NAME[&timeout_ms=N], "
                "over HTTP/1.1\n");
  }
  if (path == "/publish") {
    stats.count(endpoint::publish);
    const auto channel = query_param(query, "channel");
    if (method != "POST" || channel.empty()) {
      return text(400, "usage: POST /publish?channel=NAME with the message as the body\n");
    }
    route_plan p;
    p.type = "application/json";
    p.publish = true;
    p.channel = channel;
    return p;
  }
  if (path == "/cookie/set") {
    stats.count(endpoint::cookie_set);
    return set_cookies(query);
  }
  if (path == "/cookie") {
    stats.count(endpoint::cookie);
    return text(200, request.cookie);
  }
  if (path == "/redirect") {
    stats.count(endpoint::redirect);
    return redirect(query);
  }
  if (path == "/close") {
    stats.count(endpoint::close);
    route_plan p;
    p.close = true;
    return p;
  }
  stats.count(endpoint::other);
  return text(404, "not found\n");
}

}  // namespace stampede::target

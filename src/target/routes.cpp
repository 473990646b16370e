// SPDX-License-Identifier: Apache-2.0
#include "target/routes.hpp"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

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

}  // namespace

route_plan plan_request(std::string_view method, std::string_view target, std::string_view body,
                        std::string_view content_type, target_stats& stats) {
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
    p.type = content_type.empty() ? std::string_view("application/octet-stream") : content_type;
    p.body = body;
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

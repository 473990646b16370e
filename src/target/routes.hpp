// SPDX-License-Identifier: Apache-2.0
// What the built-in target answers, whatever the protocol: each request becomes a plan (status,
// body, a delay, filler bytes, or closing) that the HTTP/1.1 and HTTP/2 connections carry out
// in their own framing. The request is counted in the stats here, once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "target/pubsub_hub.hpp"
#include "target/target_stats.hpp"

namespace stampede::target {

inline constexpr std::string_view root_body = "stampede target\n";
inline constexpr std::string_view json_body =
    R"({"token":"abc123","user":{"id":42,"name":"stampede"},"items":[{"id":1},{"id":2},{"id":3}]})";
inline constexpr std::uint64_t max_delay_ms = 60'000;
inline constexpr std::uint64_t max_bytes = 64ULL * 1024 * 1024;
/// The body of /bytes comes from this one block, written by reference, never copied.
inline constexpr std::size_t filler_size = 64 * 1024;
std::string_view filler();

struct route_plan {
  unsigned code = 200;
  std::string_view type = "text/plain";
  std::string_view body;  ///< static text, the request's body (/echo) or `owned`
  std::string owned;      ///< /stats: the document `body` points into
  /// /bytes?n=N: N filler bytes instead of `body`; `chunked` asks HTTP/1.1 for chunks.
  std::optional<std::uint64_t> filler_bytes;
  bool chunked = false;
  std::chrono::milliseconds delay{0};  ///< /delay: answer after this long
  bool close = false;                  ///< /close: drop the connection without an answer
  /// POST /publish?channel=NAME: give the request body to the channel's subscribers, then
  /// answer {"channel", "delivered"}.
  bool publish = false;
  std::string_view channel;
  /// /cookie/set: a Set-Cookie field each; /redirect: the Location field.
  std::vector<std::string> set_cookies;
  std::string location;
};

/// The parts of a request the routes read; views into the connection's request.
struct request_view {
  std::string_view method;
  std::string_view target;  ///< origin form, with its query
  std::string_view body;
  std::string_view content_type;
  std::string_view cookie;  ///< the Cookie field(s), joined by "; "
};

/// Plans the answer to a request. The plan may point into the request's body (/echo) and
/// content type.
route_plan plan_request(const request_view& request, target_stats& stats);

/// Carries out a publish plan: hands `message` to `channel`'s subscribers, counts it, and
/// returns the answer's JSON body.
std::string publish(pubsub_hub& hub, target_stats& stats, std::string_view channel,
                    std::string_view message);

/// The value of `name` in a query string ("ms=20&x=1"), or empty.
std::string_view query_param(std::string_view query, std::string_view name);
std::optional<std::uint64_t> parse_number(std::string_view s);

}  // namespace stampede::target

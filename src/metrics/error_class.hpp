// SPDX-License-Identifier: Apache-2.0
// Why a request failed. Failures are counted per class, never thrown.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace stampede::metrics {

enum class error_class : std::uint8_t {
  refused,          ///< the target refused the TCP connection (ECONNREFUSED)
  reset,            ///< the connection was reset or broke while in use
  connect_timeout,  ///< TCP connect (or TLS handshake) exceeded connect_timeout
  request_timeout,  ///< no complete response within the request timeout
  tls,              ///< TLS handshake or certificate failure
  dns,              ///< the target's host name did not resolve
  protocol,      ///< malformed response: bad status line, bad chunking, huge headers, early close
  http_status,   ///< a response with status >= 400
  check_failed,  ///< a response arrived but a check on it failed
  /// A capture matched nothing, or a request needed a variable no capture or data column set
  /// (it is not sent).
  capture,
  /// The load machine's own limit, not the server's fault: out of descriptors (EMFILE,
  /// ENFILE), local addresses or ports (EADDRNOTAVAIL), socket buffers (ENOBUFS, ENOMEM).
  local_limit,
  /// Not sent: a rendered value would have broken the request (a line break in a header).
  invalid_request,
  other,  ///< anything else
};

inline constexpr std::size_t error_class_count = 13;

inline constexpr std::array<std::string_view, error_class_count> error_class_names = {
    "refused",     "reset",           "connect_timeout", "request_timeout", "tls",
    "dns",         "protocol",        "http_status",     "check_failed",    "capture",
    "local_limit", "invalid_request", "other",
};

constexpr std::string_view name(error_class e) {
  return error_class_names[static_cast<std::size_t>(e)];
}

constexpr std::optional<error_class> error_class_from_name(std::string_view n) {
  for (std::size_t i = 0; i < error_class_count; ++i) {
    if (error_class_names[i] == n) {
      return static_cast<error_class>(i);
    }
  }
  return std::nullopt;
}

}  // namespace stampede::metrics

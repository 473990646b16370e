// SPDX-License-Identifier: Apache-2.0
// The parts of a target URL stampede needs: scheme, host, port and path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stampede::net {

struct url {
  std::string scheme;  ///< "http", "https", "h2c" (HTTP/2, prior knowledge) or "h2" (TLS, ALPN)
  std::string host;    ///< without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string path;  ///< origin-form path with query; "/" when absent

  bool tls() const { return scheme == "https" || scheme == "h2"; }
  bool http2() const { return scheme == "h2c" || scheme == "h2"; }
  /// The :scheme of HTTP/2 requests and the scheme of Origin headers.
  std::string_view web_scheme() const { return tls() ? "https" : "http"; }
  /// host[:port] as sent in the Host header (port omitted when it is the scheme's default).
  std::string host_header() const;
  /// scheme://host:port, for messages.
  std::string origin() const;
};

/// Parses http://, https://, h2c:// and h2:// URLs. Returns nullopt and sets `error` when
/// malformed.
std::optional<url> parse_url(std::string_view text, std::string* error = nullptr);

}  // namespace stampede::net

// SPDX-License-Identifier: Apache-2.0
#include "net/url.hpp"

#include <charconv>

namespace stampede::net {
namespace {

std::optional<url> fail(std::string* error, std::string message) {
  if (error != nullptr) {
    *error = std::move(message);
  }
  return std::nullopt;
}

}  // namespace

std::string url::host_header() const {
  const bool default_port = port == (tls() ? 443 : 80);
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  if (!default_port) {
    h += ":" + std::to_string(port);
  }
  return h;
}

std::string url::origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<url> parse_url(std::string_view text, std::string* error) {
  url u;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    return fail(error, "expected a URL like http://host:port/path");
  }
  u.scheme = std::string(text.substr(0, sep));
  for (auto& c : u.scheme) {
    c = static_cast<char>(c | 0x20);
  }
  if (u.scheme != "http" && u.scheme != "https" && u.scheme != "h2c" && u.scheme != "h2") {
    return fail(error, "unsupported scheme '" + u.scheme +
                           "' (use http, https, h2c for HTTP/2 with prior knowledge, or h2 for "
                           "HTTP/2 over TLS)");
  }
  auto rest = text.substr(sep + 3);
  const auto path_start = rest.find_first_of("/?");
  auto authority = rest.substr(0, path_start);
  u.path = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (!u.path.empty() && u.path.front() == '?') {
    u.path.insert(u.path.begin(), '/');
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail(error, "user information in URLs is not supported");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail(error, "unterminated IPv6 address");
    }
    u.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return fail(error, "unexpected text after IPv6 address");
      }
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (u.host.empty()) {
    return fail(error, "missing host");
  }
  if (port_text.empty()) {
    u.port = u.tls() ? 443 : 80;
  } else {
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return fail(error, "invalid port '" + std::string(port_text) + "'");
    }
    u.port = static_cast<std::uint16_t>(value);
  }
  return u;
}

}  // namespace stampede::net

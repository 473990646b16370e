// SPDX-License-Identifier: Apache-2.0
#include "engine/redirect_rules.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace stampede::engine {

std::string without_dot_segments(std::string_view path) {
  std::string out;
  while (!path.empty()) {
    if (path.starts_with("../")) {
      path.remove_prefix(3);
    } else if (path.starts_with("./")) {
      path.remove_prefix(2);
    } else if (path.starts_with("/./")) {
      path.remove_prefix(2);
    } else if (path == "/.") {
      path = "/";
    } else if (path.starts_with("/../") || path == "/..") {
      path = path.size() == 3 ? std::string_view("/") : path.substr(3);
      const auto last = out.rfind('/');
      out.erase(last == std::string::npos ? 0 : last);
    } else if (path == "." || path == "..") {
      path = {};
    } else {
      const auto next = path.find('/', 1);
      const auto segment = path.substr(0, next);
      out.append(segment);
      path.remove_prefix(segment.size());
    }
  }
  return out;
}

std::optional<std::string> redirect_target(std::string_view location, std::string_view current,
                                           const net::url& origin) {
  location = core::trim(location);
  location = location.substr(0, location.find('#'));
  if (location.empty() || std::any_of(location.begin(), location.end(),
                                      [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
    return std::nullopt;
  }
  std::string absolute;
  if (location.starts_with("//")) {
    absolute = std::string(origin.web_scheme()) + ":" + std::string(location);
  } else if (location.substr(0, location.find_first_of("/?")).find(':') != std::string_view::npos) {
    absolute = std::string(location);  // a scheme before any path: an absolute URL
  }
  if (!absolute.empty()) {
    const auto scheme = core::to_lower(absolute.substr(0, absolute.find(':')));
    if (scheme != "http" && scheme != "https") {
      return std::nullopt;
    }
    const auto to = net::parse_url(absolute);
    if (!to || scheme != origin.web_scheme() || !core::iequals(to->host, origin.host) ||
        to->port != origin.port) {
      return std::nullopt;
    }
    const auto q = to->path.find('?');
    return without_dot_segments(std::string_view(to->path).substr(0, q)) +
           (q == std::string::npos ? std::string() : to->path.substr(q));
  }
  const auto current_path = current.substr(0, current.find('?'));
  std::string merged;
  if (location.front() == '/') {
    merged = std::string(location);
  } else if (location.front() == '?') {
    merged = std::string(current_path) + std::string(location);
  } else {
    const auto dir = current_path.substr(0, current_path.rfind('/') + 1);
    merged = std::string(dir.empty() ? std::string_view("/") : dir) + std::string(location);
  }
  const auto q = merged.find('?');
  auto path = without_dot_segments(std::string_view(merged).substr(0, q));
  if (path.empty() || path.front() != '/') {
    path.insert(0, "/");
  }
  return q == std::string::npos ? path : path + merged.substr(q);
}

redirected_request after_redirect(int status, std::string_view method) {
  if (status == 303 && method != "HEAD") {
    return {"GET", false};
  }
  if ((status == 301 || status == 302) && method == "POST") {
    return {"GET", false};
  }
  return {method, true};
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// What a redirect asks for (RFC 9110 15.4): which answers are followed, where the next request
// goes, and with which method and body.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "net/url.hpp"

namespace stampede::engine {

/// 301, 302, 303, 307 and 308: the answers a user agent follows. (300 and 304 are not
/// redirects to follow.)
constexpr bool is_followed_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/// The origin-form target a Location field leads to from `current` (the request's target), or
/// nullopt when it leaves `origin` (another scheme, host or port: a user's connection is to one
/// origin) or cannot be sent (a space or control character in it). Relative references are
/// resolved as RFC 3986 5.2 says; a fragment is dropped.
std::optional<std::string> redirect_target(std::string_view location, std::string_view current,
                                           const net::url& origin);

/// The next request's method after a redirect, and whether it keeps the body: 303 turns every
/// method but HEAD into GET, 301 and 302 turn POST into GET (as every user agent does), 307 and
/// 308 keep both.
struct redirected_request {
  std::string_view method;
  bool keeps_body = true;
};
redirected_request after_redirect(int status, std::string_view method);

/// RFC 3986 5.2.4: `path` without its "." and ".." segments.
std::string without_dot_segments(std::string_view path);

}  // namespace stampede::engine

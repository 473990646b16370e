// SPDX-License-Identifier: Apache-2.0
// A virtual user's cookies, as a browser keeps them (RFC 6265): stored from Set-Cookie fields,
// sent back in a Cookie field to the requests whose host, path and scheme they match, until
// they expire.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stampede::engine {

struct cookie {
  using time_point = std::chrono::system_clock::time_point;

  std::string name;
  std::string value;
  std::string domain;  ///< lower case, without a leading dot
  std::string path;
  std::optional<time_point> expires;  ///< nullopt: a session cookie, kept for the whole run
  bool host_only = true;              ///< no Domain attribute: sent to that exact host only
  bool secure = false;                ///< sent over https only
  bool http_only = false;
  std::uint64_t created = 0;  ///< order of creation, which breaks ties when sending
};

/// The parts of a request URL that decide which cookies it gets and where they apply.
struct cookie_scope {
  std::string_view host;  ///< lower case
  std::string_view path;  ///< the request target; a query is ignored
  bool secure = false;    ///< https (or h2 over TLS)
};

/// Thread-safety: none; one jar per user, on its worker's thread.
class cookie_jar {
 public:
  using time_point = cookie::time_point;
  /// Cookies one jar keeps; the oldest go first beyond that (RFC 6265 asks for at least 50
  /// per domain, and a user talks to one domain).
  static constexpr std::size_t max_cookies = 50;

  /// Stores (or replaces, or with a past expiry removes) the cookie that `set_cookie`, the
  /// value of a Set-Cookie field in a response to `scope`, describes. A field that does not
  /// parse, or names a domain the host is not in, is ignored as a browser ignores it.
  void store(std::string_view set_cookie, const cookie_scope& scope, time_point now);

  /// Appends to `out` the Cookie field's value for a request to `scope` ("a=1; b=2"): longer
  /// paths first, then older cookies first. Appends nothing when no cookie applies.
  void header_for(const cookie_scope& scope, time_point now, std::string& out);

  /// The value of the newest unexpired cookie called `name`, whatever it applies to.
  const std::string* value_of(std::string_view name, time_point now) const;

  bool empty() const { return cookies_.empty(); }
  std::size_t size() const { return cookies_.size(); }
  void clear() { cookies_.clear(); }
  const std::vector<cookie>& cookies() const { return cookies_; }

 private:
  void drop_expired(time_point now);

  std::vector<cookie> cookies_;
  std::uint64_t next_created_ = 0;
  std::vector<const cookie*> matched_;  ///< reused by header_for
};

/// RFC 6265 5.1.1: the date of an Expires attribute ("Wed, 21 Oct 2026 07:28:00 GMT", and the
/// older forms servers still send), or nullopt when it is not one.
std::optional<cookie::time_point> parse_cookie_date(std::string_view text);

/// RFC 6265 5.1.3: `host` is `domain` or a name under it, and not an IP address.
bool domain_matches(std::string_view host, std::string_view domain);

/// RFC 6265 5.1.4: a cookie of path `cookie_path` applies to `request_path`.
bool path_matches(std::string_view request_path, std::string_view cookie_path);

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
#include "engine/cookie_jar.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include <boost/asio/ip/address.hpp>

#include "core/text.hpp"

namespace stampede::engine {
namespace {

using core::to_lower;

std::string_view trimmed(std::string_view s) {
  return core::trim(s);
}

bool is_ip_address(std::string_view host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(host), ec);
  return !ec;
}

/// RFC 6265 5.1.4: the directory of the request's path.
std::string default_path(std::string_view request_path) {
  request_path = request_path.substr(0, request_path.find('?'));
  if (request_path.empty() || request_path.front() != '/') {
    return "/";
  }
  const auto last = request_path.rfind('/');
  return last == 0 ? std::string("/") : std::string(request_path.substr(0, last));
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// A run of 1 to `max` digits at the start of `token`, followed by anything.
std::optional<int> leading_number(std::string_view token, std::size_t min, std::size_t max) {
  std::size_t n = 0;
  while (n < token.size() && is_digit(token[n])) {
    ++n;
  }
  if (n < min || n > max) {
    return std::nullopt;
  }
  int v = 0;
  std::from_chars(token.data(), token.data() + n, v);
  return v;
}

struct time_of_day {
  int h, m, s;
};

std::optional<time_of_day> parse_time(std::string_view token) {
  std::array<int, 3> parts{};
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const auto n = leading_number(token, 1, 2);
    if (!n) {
      return std::nullopt;
    }
    parts[k] = *n;
    token.remove_prefix(std::min(token.size(), token.find_first_not_of("0123456789")));
    if (k < 2) {
      if (!token.starts_with(':')) {
        return std::nullopt;
      }
      token.remove_prefix(1);
    }
  }
  return time_of_day{parts[0], parts[1], parts[2]};
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<cookie::time_point> parse_cookie_date(std::string_view text) {
  static constexpr std::array<std::string_view, 12> months = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  const auto is_delimiter = [](unsigned char c) {
    return c == 0x09 || (c >= 0x20 && c <= 0x2f) || (c >= 0x3b && c <= 0x40) ||
           (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
  };
  std::optional<int> hour, minute, second, day, month, year;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_delimiter(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    const auto start = i;
    while (i < text.size() && !is_delimiter(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    const auto token = text.substr(start, i - start);
    if (token.empty()) {
      continue;
    }
    if (!hour) {
      // hms-time: 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT (':' is not a delimiter).
      if (const auto hms = parse_time(token)) {
        hour = hms->h;
        minute = hms->m;
        second = hms->s;
        continue;
      }
    }
    if (!day) {
      if (const auto d = leading_number(token, 1, 2)) {
        day = d;
        continue;
      }
    }
    if (!month && token.size() >= 3) {
      const auto prefix = to_lower(token.substr(0, 3));
      const auto at = std::find(months.begin(), months.end(), prefix);
      if (at != months.end()) {
        month = static_cast<int>(at - months.begin()) + 1;
        continue;
      }
    }
    if (!year) {
      if (const auto y = leading_number(token, 2, 4)) {
        year = y;
        continue;
      }
    }
  }
  if (!hour || !day || !month || !year) {
    return std::nullopt;
  }
  int y = *year;
  if (y >= 70 && y <= 99) {
    y += 1900;
  } else if (y >= 0 && y <= 69) {
    y += 2000;
  }
  if (*day < 1 || *day > 31 || y < 1601 || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  const auto days = days_from_civil(y, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  const auto seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second;
  return cookie::time_point(std::chrono::seconds(seconds));
}

bool domain_matches(std::string_view host, std::string_view domain) {
  if (host == domain) {
    return true;
  }
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.' && !is_ip_address(host);
}

bool path_matches(std::string_view request_path, std::string_view cookie_path) {
  request_path = request_path.substr(0, request_path.find('?'));
  if (request_path == cookie_path) {
    return true;
  }
  return request_path.starts_with(cookie_path) &&
         (cookie_path.ends_with('/') || request_path[cookie_path.size()] == '/');
}

void cookie_jar::store(std::string_view set_cookie, const cookie_scope& scope, time_point now) {
  // RFC 6265 5.2: the name-value pair up to the first ';', then attributes.
  const auto semicolon = set_cookie.find(';');
  const auto pair = set_cookie.substr(0, semicolon);
  auto attributes =
      semicolon == std::string_view::npos ? std::string_view() : set_cookie.substr(semicolon + 1);
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos) {
    return;
  }
  cookie c;
  c.name = std::string(trimmed(pair.substr(0, eq)));
  c.value = std::string(trimmed(pair.substr(eq + 1)));
  if (c.name.empty()) {
    return;
  }
  std::optional<time_point> max_age_expiry;
  std::optional<time_point> expires;
  std::string domain;
  std::string path;
  while (!attributes.empty()) {
    const auto next = attributes.find(';');
    const auto av = attributes.substr(0, next);
    attributes = next == std::string_view::npos ? std::string_view() : attributes.substr(next + 1);
    const auto av_eq = av.find('=');
    const auto key = to_lower(trimmed(av.substr(0, av_eq)));
    const auto value =
        av_eq == std::string_view::npos ? std::string_view() : trimmed(av.substr(av_eq + 1));
    if (key == "expires") {
      if (const auto when = parse_cookie_date(value)) {
        expires = when;
      }
    } else if (key == "max-age") {
      // A leading digit or '-', then digits; anything else leaves the attribute out.
      long long seconds = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (!value.empty() && end == value.data() + value.size() &&
          (ec == std::errc{} || ec == std::errc::result_out_of_range)) {
        if (ec == std::errc::result_out_of_range) {
          seconds = value.front() == '-' ? -1 : std::numeric_limits<std::int32_t>::max();
        }
        // Capped at about 68 years: a time_point must not overflow, and nobody waits longer.
        seconds = std::min<long long>(seconds, std::numeric_limits<std::int32_t>::max());
        max_age_expiry = seconds <= 0 ? time_point::min() : now + std::chrono::seconds(seconds);
      }
    } else if (key == "domain") {
      if (!value.empty()) {
        domain = to_lower(value.front() == '.' ? value.substr(1) : value);
      }
    } else if (key == "path") {
      if (!value.empty() && value.front() == '/') {
        path = std::string(value);
      }
    } else if (key == "secure") {
      c.secure = true;
    } else if (key == "httponly") {
      c.http_only = true;
    }
  }
  // Max-Age wins over Expires.
  c.expires = max_age_expiry ? max_age_expiry : expires;
  if (!domain.empty()) {
    if (!domain_matches(scope.host, domain)) {
      return;  // a site may not set cookies for another
    }
    c.domain = std::move(domain);
    c.host_only = false;
  } else {
    c.domain = std::string(scope.host);
  }
  c.path = path.empty() ? default_path(scope.path) : std::move(path);

  const auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const cookie& old) {
    return old.name == c.name && old.domain == c.domain && old.path == c.path;
  });
  const bool expired = c.expires && *c.expires <= now;
  if (same != cookies_.end()) {
    if (expired) {
      cookies_.erase(same);  // how a server deletes a cookie
      return;
    }
    c.created = same->created;  // a replaced cookie keeps its place in the order
    *same = std::move(c);
    return;
  }
  if (expired) {
    return;
  }
  c.created = next_created_++;
  if (cookies_.size() >= max_cookies) {
    drop_expired(now);
  }
  if (cookies_.size() >= max_cookies) {
    cookies_.erase(
        std::min_element(cookies_.begin(), cookies_.end(),
                         [](const cookie& a, const cookie& b) { return a.created < b.created; }));
  }
  cookies_.push_back(std::move(c));
}

void cookie_jar::drop_expired(time_point now) {
  std::erase_if(cookies_, [&](const cookie& c) { return c.expires && *c.expires <= now; });
}

void cookie_jar::header_for(const cookie_scope& scope, time_point now, std::string& out) {
  if (cookies_.empty()) {
    return;
  }
  drop_expired(now);
  matched_.clear();
  for (const auto& c : cookies_) {
    const bool host_ok =
        c.host_only ? scope.host == c.domain : domain_matches(scope.host, c.domain);
    if (host_ok && path_matches(scope.path, c.path) && (!c.secure || scope.secure)) {
      matched_.push_back(&c);
    }
  }
  std::sort(matched_.begin(), matched_.end(), [](const cookie* a, const cookie* b) {
    return a->path.size() != b->path.size() ? a->path.size() > b->path.size()
                                            : a->created < b->created;
  });
  for (const auto* c : matched_) {
    if (!out.empty()) {
      out.append("; ");
    }
    out.append(c->name).append("=").append(c->value);
  }
}

const std::string* cookie_jar::value_of(std::string_view name, time_point now) const {
  const cookie* newest = nullptr;
  for (const auto& c : cookies_) {
    if (c.name == name && (!c.expires || *c.expires > now) &&
        (newest == nullptr || c.created > newest->created)) {
      newest = &c;
    }
  }
  return newest != nullptr ? &newest->value : nullptr;
}

}  // namespace stampede::engine

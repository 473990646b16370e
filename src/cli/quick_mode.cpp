// SPDX-License-Identifier: Apache-2.0
#include "cli/quick_mode.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "core/duration_text.hpp"
#include "core/text.hpp"
#include "net/url.hpp"
#include "scenario/campaign_parser.hpp"
#include "scenario/http_syntax.hpp"
#include "scenario/threshold_scope_check.hpp"

namespace stampede::cli {
namespace {

std::chrono::nanoseconds duration_flag(const std::string& flag, const std::string& text) {
  auto d = core::parse_duration(text);
  if (!d || d->count() <= 0) {
    throw std::invalid_argument(
        fmt::format("{}: expected a duration like 30s or 2m, got '{}'", flag, text));
  }
  return *d;
}

std::vector<std::uint64_t> parse_steps(const std::string& text) {
  std::vector<std::uint64_t> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto colon = text.find(':', pos);
    const auto part =
        text.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (part.empty() || ec != std::errc{} || end != part.data() + part.size() || n == 0) {
      throw std::invalid_argument(
          fmt::format("-u: expected user counts like 10:20:30, got '{}'", text));
    }
    out.push_back(n);
    if (colon == std::string::npos) {
      break;
    }
    pos = colon + 1;
  }
  return out;
}

}  // namespace

scenario::campaign make_quick_campaign(const quick_options& q) {
  std::string error;
  auto url = net::parse_url(q.url, &error);
  if (!url) {
    throw std::invalid_argument(fmt::format("--url: {}", error));
  }
  if (q.connections == 0) {
    throw std::invalid_argument("-c: needs at least one connection");
  }
  if (q.h2 && !url->http2()) {
    url->scheme = url->tls() ? "h2" : "h2c";
  }
  if (q.streams == 0 || q.streams > 1000) {
    throw std::invalid_argument(fmt::format("-m: expected 1 to 1000 streams, got {}", q.streams));
  }
  if (q.streams > 1 && !url->http2()) {
    throw std::invalid_argument(
        "-m: concurrent streams need HTTP/2 (add --h2, or use an h2c:// or h2:// URL)");
  }
  // Over HTTP/2 each connection carries `streams` users, each with one request in flight.
  const std::uint64_t users = q.connections * q.streams;
  scenario::campaign c;
  c.name = "quick";
  c.target = url->origin();
  c.source_file = "(command line)";
  if (q.timeout) {
    c.defaults_.request_timeout = duration_flag("--timeout", *q.timeout);
  }
  if (q.connect_timeout) {
    c.defaults_.connect_timeout = duration_flag("--connect-timeout", *q.connect_timeout);
  }
  c.defaults_.insecure = q.insecure;
  c.defaults_.streams = q.streams;

  scenario::request_step step;
  step.method = core::to_upper(q.method);
  step.path = scenario::template_string(url->path, scenario::value_escaping::url);
  const auto query = url->path.find('?');
  step.name = step.method + " " + url->path.substr(0, query);
  for (const auto& h : q.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      throw std::invalid_argument(fmt::format("-H: expected 'Name: value', got '{}'", h));
    }
    auto value = std::string(core::trim(h.substr(colon + 1)));
    const auto name = h.substr(0, colon);
    if (!scenario::is_header_name(name)) {
      throw std::invalid_argument(fmt::format("-H: invalid header name '{}'", name));
    }
    if (scenario::has_line_break(value)) {
      throw std::invalid_argument(
          fmt::format("-H {}: a header value cannot contain line breaks", name));
    }
    step.headers.push_back({h.substr(0, colon), scenario::template_string(value)});
  }
  if (q.body) {
    step.body = scenario::template_string(*q.body);
  }
  c.scenarios.push_back({"quick", 1, {step}});

  scenario::phase p;
  p.name = "quick";
  const auto length = q.duration ? duration_flag("-d", *q.duration) : std::chrono::seconds(10);
  if (q.iterations && *q.iterations == 0) {
    throw std::invalid_argument("-i: needs at least one iteration");
  }
  if (q.rate) {
    if (*q.rate <= 0) {
      throw std::invalid_argument("--rate: must be greater than zero");
    }
    if (q.user_steps || q.requests || q.iterations) {
      throw std::invalid_argument("--rate: cannot be combined with -u, -n or -i");
    }
    p.length = length;
    p.model = scenario::throughput_model{*q.rate, users};
  } else if (q.user_steps) {
    if (q.requests) {
      throw std::invalid_argument("-u: cannot be combined with -n (give -i, each user's count)");
    }
    if (q.connections_given) {
      throw std::invalid_argument("-u: cannot be combined with -c (each step gives its users)");
    }
    scenario::steps_model s;
    s.users = parse_steps(*q.user_steps);
    // With -i each step ends when its users are done; -d then caps each step.
    s.iterations = q.iterations;
    s.step_duration =
        q.iterations && !q.duration
            ? std::chrono::duration_cast<std::chrono::nanoseconds>(scenario::iterations_cap)
            : std::chrono::nanoseconds(length);
    p.length = s.step_duration * static_cast<std::int64_t>(s.users.size());
    p.model = s;
  } else {
    scenario::closed_model closed;
    closed.users = users;
    if (q.iterations) {
      if (q.requests) {
        throw std::invalid_argument(
            "-i: cannot be combined with -n (-i is each user's count, -n the total)");
      }
      closed.iterations = *q.iterations;
      p.length = q.duration ? length : scenario::iterations_cap;
    } else if (q.requests) {
      if (*q.requests == 0) {
        throw std::invalid_argument("-n: needs at least one request");
      }
      closed.total_iterations = *q.requests;
      // -n alone runs until the requests are done; -d then only caps the time.
      p.length = q.duration ? length : scenario::iterations_cap;
    } else {
      p.length = length;
    }
    p.model = closed;
  }
  c.phases.push_back(p);
  for (std::size_t i = 0; i < q.thresholds.size(); ++i) {
    try {
      c.thresholds.push_back(scenario::parse_threshold(q.thresholds[i]));
    } catch (const std::exception& e) {
      throw std::invalid_argument(fmt::format("--threshold: {}", e.what()));
    }
    if (const auto why = scenario::unknown_scope_name(c.thresholds.back(), c)) {
      throw std::invalid_argument(fmt::format("--threshold: {}", *why));
    }
  }

  // What is stored with the run, so `stampede show` can say what was asked.
  std::string text = fmt::format("# stampede run --url {}\ntarget: {}\n", q.url, c.target);
  if (url->http2()) {
    text += fmt::format("defaults:\n  streams: {}\n", q.streams);
  }
  text += fmt::format("phases:\n  - name: quick\n    # connections: {}", q.connections);
  if (q.requests) {
    text += fmt::format(", requests: {}", *q.requests);
  }
  if (q.iterations) {
    text += fmt::format(", iterations per user: {}", *q.iterations);
  }
  if (q.rate) {
    text += fmt::format(", rate: {}", *q.rate);
  }
  if (q.user_steps) {
    text += fmt::format(", users: {}", *q.user_steps);
  }
  text +=
      fmt::format("\n    duration: {}\nscenarios:\n  - name: quick\n    flow:\n      - {}: {}\n",
                  core::format_duration(p.length), core::to_lower(step.method), url->path);
  c.source_text = text;
  return c;
}

}  // namespace stampede::cli

// SPDX-License-Identifier: Apache-2.0
#include "metrics/summary_report.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace stampede::metrics {
namespace {

struct marks {
  std::string ok, fail;
};

marks make_marks(bool color) {
  if (color) {
    return {"\033[32m✓\033[0m", "\033[31m✗\033[0m"};
  }
  return {"✓", "✗"};
}

std::string latency_line(const char* label, const latency_stats& s) {
  if (s.count == 0) {
    return fmt::format("  {:<13}-\n", label);
  }
  return fmt::format("  {:<13}min {}  mean {}  p50 {}  p90 {}  p95 {}  p99 {}  p99.9 {}  max {}\n",
                     label, format_ms(s.min), format_ms(s.mean), format_ms(s.p50), format_ms(s.p90),
                     format_ms(s.p95), format_ms(s.p99), format_ms(s.p999), format_ms(s.max));
}

}  // namespace

std::string format_sut_value(std::string_view key, double v) {
  switch (unit_of(key)) {
    case sut_unit::percent:
      return fmt::format("{:.1f}%", v);
    case sut_unit::bytes:
      return format_bytes(static_cast<std::uint64_t>(std::max(0.0, v)));
    case sut_unit::number:
      break;
  }
  return fmt::format("{:.6g}", v);
}

std::string format_threshold_value(const std::string& expression, double v) {
  // Latency thresholds are in milliseconds, rates are ratios, counts are counts. Only the
  // metric decides: a filter's names ({scenario=rate-limits}) must not.
  const auto start = std::min(expression.find_first_not_of(" \t"), expression.size());
  const auto metric = expression.substr(start, expression.find_first_of("{<>= \t", start) - start);
  if (metric.rfind("sut.", 0) == 0) {
    auto key = std::string_view(metric).substr(4);
    if (!is_sut_figure(key)) {
      key = key.substr(std::min(key.find('.') + 1, key.size()));  // past the monitor's name
    }
    return format_sut_value(key, v);
  }
  for (const std::string_view timed :
       {"latency.", "ttfb.", "connect.", "ws.rtt.", "ws.handshake."}) {
    if (metric.find(timed) != std::string::npos) {
      return format_ms(v);
    }
  }
  if (metric.find("rate") != std::string::npos && v <= 1.0) {
    return fmt::format("{:.2f}%", v * 100);
  }
  return fmt::format("{:.6g}", v);
}

std::string group_digits(std::uint64_t n) {
  auto digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) {
      out.push_back(',');
    }
    out.push_back(digits[i]);
  }
  return out;
}

std::string format_bytes(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string format_ms(double ms) {
  if (ms < 1.0) {
    return fmt::format("{:.0f}us", ms * 1000);
  }
  if (ms < 1000.0) {
    return fmt::format("{:.2f}ms", ms);
  }
  return fmt::format("{:.2f}s", ms / 1000);
}

std::string format_summary(const summary& s, bool color) {
  const auto m = make_marks(color);
  std::string out;
  out += fmt::format("\nstampede: {} {} after {:.1f}s", s.name.empty() ? "run" : s.name, s.status,
                     s.duration_s);
  if (s.graceful_stop_s >= 0.05) {
    // Iterations still running when the load ended had their graceful stop.
    out += fmt::format(" ({:.1f}s of load, {:.1f}s of graceful stop)", s.load_s, s.graceful_stop_s);
  }
  out += "\n\n";
  out += fmt::format("  {:<13}{} total, {} ok, {} failed, {:.1f}/s\n", "requests",
                     group_digits(s.requests_total), group_digits(s.requests_ok),
                     group_digits(s.requests_failed), s.rps);
  out += latency_line("latency", s.latency);
  out += latency_line("ttfb", s.ttfb);
  if (s.connect.count > 0) {
    out += latency_line("connect", s.connect);
  }
  if (s.tls.count > 0) {
    out += latency_line("tls", s.tls);
  }
  if (s.late_starts > 0) {
    out += fmt::format("  {:<13}{} sends left late (> 1ms), lag p99 {} max {}\n", "schedule",
                       group_digits(s.late_starts), format_ms(s.schedule_lag.p99),
                       format_ms(s.schedule_lag.max));
  }
  out += fmt::format("  {:<13}{} started, {} completed", "iterations",
                     group_digits(s.iterations_started), group_digits(s.iterations_completed));
  if (s.iterations_interrupted > 0) {
    out += fmt::format(", {} interrupted (at their phase's end)",
                       group_digits(s.iterations_interrupted));
  }
  if (s.iterations_dropped > 0) {
    out += fmt::format(", {} dropped (max_users reached)", group_digits(s.iterations_dropped));
  }
  out += "\n";
  if (s.scenarios.size() > 1) {
    for (const auto& sc : s.scenarios) {
      out += fmt::format("    {:<24} {} started, {} completed", sc.name, group_digits(sc.started),
                         group_digits(sc.completed));
      if (sc.latency.count > 0) {
        out += fmt::format("  p50 {}  p95 {}  p99 {}", format_ms(sc.latency.p50),
                           format_ms(sc.latency.p95), format_ms(sc.latency.p99));
      }
      out += "\n";
    }
  }
  out += fmt::format("  {:<13}{} peak users, {} peak connections, {} opened\n", "concurrency",
                     group_digits(s.peak_users), group_digits(s.peak_connections),
                     group_digits(s.connections_opened));
  if (s.held_established > 0 || s.held_failed > 0) {
    out += fmt::format(
        "  {:<13}{} established ({:.0f}/s, peak {:.0f}/s), {} held at the end, {} failed, {} "
        "dropped\n",
        "held", group_digits(s.held_established), s.connect_rate, s.connect_rate_peak,
        group_digits(s.held_at_end), group_digits(s.held_failed), group_digits(s.held_dropped));
  }
  if (s.ws_opened > 0) {
    out += fmt::format("  {:<13}{} opened, {} messages in ({}), {} out ({})\n", "websocket",
                       group_digits(s.ws_opened), group_digits(s.ws_messages_in),
                       format_bytes(s.ws_bytes_in), group_digits(s.ws_messages_out),
                       format_bytes(s.ws_bytes_out));
    out += latency_line("ws handshake", s.ws_handshake);
    if (s.ws_rtt.count > 0) {
      out += latency_line("ws rtt", s.ws_rtt);
    }
  }
  if (s.sse_streams > 0) {
    out += fmt::format("  {:<13}{} streams, {} events\n", "sse", group_digits(s.sse_streams),
                       group_digits(s.sse_events));
    if (s.sse_gap.count > 0) {
      out += latency_line("sse gap", s.sse_gap);
    }
  }
  if (s.longpoll_polls > 0) {
    out += fmt::format("  {:<13}{} polls, {} with a message, {} without\n", "longpoll",
                       group_digits(s.longpoll_polls), group_digits(s.longpoll_messages),
                       group_digits(s.longpoll_empty));
    if (s.longpoll_gap.count > 0) {
      out += latency_line("poll gap", s.longpoll_gap);
    }
  }
  if (s.push_published > 0 || s.push_received > 0) {
    out += fmt::format(
        "  {:<13}{} published, {} received, {} lost, {} duplicated, {} out of order\n", "push",
        group_digits(s.push_published), group_digits(s.push_received), group_digits(s.push_lost),
        group_digits(s.push_duplicated), group_digits(s.push_out_of_order));
    if (s.push_latency.count > 0) {
      out += latency_line("push latency", s.push_latency);
      // Over messages: how long until that share of the subscribers that got one had it.
      std::string reach;
      for (std::size_t i = 0; i < reach_shares.size(); ++i) {
        reach += fmt::format("{}{}% {} (p99 {})", i == 0 ? "" : "  ", reach_shares[i],
                             format_ms(s.push_reach[i].p50), format_ms(s.push_reach[i].p99));
      }
      out += fmt::format("  {:<13}{}\n", "reached", reach);
    }
  }
  if (s.http2_streams > 0) {
    const double per_connection =
        s.connections_opened > 0
            ? static_cast<double>(s.http2_streams) / static_cast<double>(s.connections_opened)
            : 0.0;
    out += fmt::format(
        "  {:<13}{} streams, {:.1f} per connection, {} reset by the server, {} "
        "GOAWAY\n",
        "http2", group_digits(s.http2_streams), per_connection, group_digits(s.streams_reset),
        group_digits(s.goaways));
  }
  if (!s.status_codes.empty()) {
    std::string codes;
    for (const auto& [code, n] : s.status_codes) {
      codes += fmt::format("{}{}: {}", codes.empty() ? "" : ", ", code, group_digits(n));
    }
    out += fmt::format("  {:<13}{}\n", "status", codes);
  }
  if (s.errors.empty()) {
    out += fmt::format("  {:<13}none\n", "errors");
  } else {
    out += "  errors\n";
    for (const auto& [cls, e] : s.errors) {
      if (e.reasons.size() <= 1) {
        out += fmt::format("    {:<17}{:>10}  e.g. {}\n", cls, group_digits(e.count), e.sample);
        continue;
      }
      // Several causes behind one class: each with its count, so none hides behind another.
      out += fmt::format("    {:<17}{:>10}\n", cls, group_digits(e.count));
      constexpr std::size_t shown = 8;
      std::uint64_t rest = 0;
      for (std::size_t i = 0; i < e.reasons.size(); ++i) {
        if (i < shown) {
          out += fmt::format("      {:>25}  {}\n", group_digits(e.reasons[i].second),
                             e.reasons[i].first);
        } else {
          rest += e.reasons[i].second;
        }
      }
      if (rest != 0) {
        out += fmt::format("      {:>25}  {} more reasons (see --summary-json)\n",
                           group_digits(rest), e.reasons.size() - shown);
      }
    }
  }
  // All the data a run moved: HTTP bytes and WebSocket payloads (each also in its own line).
  out += fmt::format("  {:<13}{} in, {} out{}\n", "data", format_bytes(s.bytes_in + s.ws_bytes_in),
                     format_bytes(s.bytes_out + s.ws_bytes_out),
                     s.ws_opened > 0 ? " (WebSocket payloads included)" : "");
  if (!s.checks.empty()) {
    const auto total = s.checks_passed + s.checks_failed;
    if (total == 0) {
      out += fmt::format("  {:<13}none evaluated (no response to check)\n", "checks");
    } else {
      out += fmt::format("  {:<13}{:.2f}% passed ({} of {})\n", "checks",
                         100.0 * static_cast<double>(s.checks_passed) / static_cast<double>(total),
                         group_digits(s.checks_passed), group_digits(total));
    }
    // Names (scenario: step: check) are as wide as the longest, within reason.
    std::size_t width = 40;
    for (const auto& c : s.checks) {
      width = std::clamp(c.description.size(), width, std::size_t{72});
    }
    for (const auto& c : s.checks) {
      // A check never evaluated neither passed nor failed: no mark of either.
      std::string_view mark = "-";
      if (c.failed != 0) {
        mark = m.fail;
      } else if (c.passed != 0) {
        mark = m.ok;
      }
      out += fmt::format("    {} {:<{}} {} passed, {} failed\n", mark, c.description, width,
                         group_digits(c.passed), group_digits(c.failed));
    }
  }
  if (s.steps.size() > 1) {
    out += "  steps\n";
    // A terminal shows the steps that fail and the busiest, in the campaign's order; the rest
    // are in the JSON summary and the report.
    constexpr std::size_t steps_shown = 30;
    std::vector<std::size_t> order(s.steps.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const auto& x = s.steps[a];
      const auto& y = s.steps[b];
      return std::pair(x.failed > 0, x.requests) > std::pair(y.failed > 0, y.requests);
    });
    std::vector<bool> shown(s.steps.size(), false);
    for (std::size_t i = 0; i < std::min(steps_shown, order.size()); ++i) {
      shown[order[i]] = true;
    }
    // Requests and failures first (Locust's table), then the latency of those answered.
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
      if (!shown[i]) {
        continue;
      }
      const auto& st = s.steps[i];
      out += fmt::format("    {:<32} {:>9} requests {:>7} failed", st.name,
                         group_digits(st.requests), group_digits(st.failed));
      if (st.latency.count == 0) {
        out += "  -\n";
        continue;
      }
      out += fmt::format("  p50 {}  p95 {}  p99 {}  max {}\n", format_ms(st.latency.p50),
                         format_ms(st.latency.p95), format_ms(st.latency.p99),
                         format_ms(st.latency.max));
    }
    if (s.steps.size() > steps_shown) {
      out += fmt::format("    ... and {} more steps (--summary-json and --report list them all)\n",
                         group_digits(s.steps.size() - steps_shown));
    }
  }
  if (!s.thresholds.empty()) {
    out += "  thresholds\n";
    for (const auto& t : s.thresholds) {
      out += fmt::format("    {} {:<40} {}\n", t.ok ? m.ok : m.fail, t.expression,
                         t.actual ? "actual " + format_threshold_value(t.expression, *t.actual)
                                  : std::string("no data"));
    }
  }
  if (!s.outputs.empty()) {
    // "jsonl 10 sent · prometheus 3 sent": what --out delivered, and what it could not.
    std::vector<std::string> parts;
    for (const auto& [name, o] : s.outputs) {
      auto part = fmt::format("{} {} sent", name, group_digits(o.sent));
      if (o.dropped != 0 || o.errors != 0) {
        part += fmt::format(" ({} dropped, {} errors)", group_digits(o.dropped),
                            group_digits(o.errors));
      }
      parts.push_back(std::move(part));
    }
    out += fmt::format("  {:<13}{}\n", "outputs", fmt::join(parts, " · "));
  }
  if (!s.sut.empty()) {
    // Each monitor's peaks, and the kernel's signs of a server overwhelmed.
    out += "  system under test\n";
    for (const auto& [name, f] : s.sut) {
      const auto get = [&f](const char* key) {
        const auto it = f.find(key);
        return it == f.end() ? std::optional<double>() : std::optional<double>(it->second);
      };
      std::vector<std::string> parts;
      if (const auto cpu = get("cpu.max")) {
        parts.push_back(
            fmt::format("cpu max {:.1f}% mean {:.1f}%", *cpu, get("cpu.mean").value_or(0)));
      } else if (get("processes.max").value_or(0) == 0) {
        parts.emplace_back("no process found");
      }
      if (const auto rss = get("rss.max")) {
        parts.push_back("rss max " + format_bytes(static_cast<std::uint64_t>(*rss)));
      }
      if (const auto fds = get("fds.max")) {
        const auto limit = get("fd_limit");
        parts.push_back(fmt::format(
            "fds max {}{}", group_digits(static_cast<std::uint64_t>(*fds)),
            limit ? " of " + group_digits(static_cast<std::uint64_t>(*limit)) : std::string()));
      }
      if (const auto host = get("host_cpu.max")) {
        parts.push_back(fmt::format("host cpu max {:.1f}%", *host));
      }
      for (const auto& [key, label] : {std::pair("listen_overflows", "listen overflows"),
                                       std::pair("listen_drops", "listen drops"),
                                       std::pair("tcp_retransmits", "retransmits")}) {
        if (const auto n = get(key)) {
          parts.push_back(
              fmt::format("{} {}", label, group_digits(static_cast<std::uint64_t>(*n))));
        }
      }
      out += fmt::format("    {:<12} {}\n", name, fmt::join(parts, " · "));
    }
  }
  if (!s.events.empty()) {
    out += s.degraded ? "  degraded\n" : "  events\n";
    for (const auto& e : s.events) {
      out += fmt::format("    {}\n", e);
    }
  }
  return out;
}

}  // namespace stampede::metrics

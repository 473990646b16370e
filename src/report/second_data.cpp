// SPDX-License-Identifier: Apache-2.0
#include "report/second_data.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace stampede::report {
namespace {

using nlohmann::json;

std::uint64_t counter(const json& m, const char* key) {
  const auto it = m.find(key);
  return it != m.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

/// {key: n} of a stored counts object, where a value is n or {"count": n}.
json counts_of(const json& m, const char* key) {
  json out = json::object();
  const auto it = m.find(key);
  if (it == m.end() || !it->is_object()) {
    return out;
  }
  for (const auto& [k, v] : it->items()) {
    if (v.is_object()) {
      out[k] = v.value("count", std::uint64_t{0});
    } else if (v.is_number_unsigned()) {
      out[k] = v.get<std::uint64_t>();
    }
  }
  return out;
}

std::optional<metrics::histogram> histogram_named(const storage::interval_record& second,
                                                  std::string_view name) {
  for (const auto& [n, bytes] : second.histograms) {
    if (n == name) {
      return metrics::histogram::decode(bytes);
    }
  }
  return std::nullopt;
}

double to_ms(std::uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

/// Percentiles (and the maximum) of `h` in ms; null for an empty or absent histogram.
json percentiles(const std::optional<metrics::histogram>& h,
                 std::initializer_list<std::pair<const char*, double>> points) {
  json out = json::object();
  const bool none = !h || h->empty();
  for (const auto& [key, p] : points) {
    out[key] = none ? json(nullptr) : json(to_ms(h->value_at_percentile(p)));
  }
  out["max"] = none ? json(nullptr) : json(to_ms(h->max()));
  return out;
}

json heat_row(const std::optional<metrics::histogram>& h) {
  std::vector<std::uint64_t> row(heat_buckets, 0);
  if (h) {
    h->for_each_recorded([&](std::uint64_t low, std::uint64_t, std::uint64_t count) {
      const double ms = to_ms(low);
      int b = ms <= 0 ? 0 : static_cast<int>(std::floor(4.0 * std::log10(ms / 0.01)));
      b = std::clamp(b, 0, heat_buckets - 1);
      row[static_cast<std::size_t>(b)] += count;
    });
  }
  return row;
}

/// The drawn_counters() the second has, those that are not zero.
json other_counts(const json& m) {
  json out = json::object();
  for (const auto& name : drawn_counters()) {
    if (const auto n = counter(m, name.c_str()); n != 0) {
      out[name] = n;
    }
  }
  return out;
}

}  // namespace

double heat_edge_ms(int bucket) {
  return 0.01 * std::pow(10.0, bucket / 4.0);
}

const std::vector<std::string>& drawn_histograms() {
  static const std::vector<std::string> names{"latency", "scenario_latency.", "schedule_lag"};
  return names;
}

const std::vector<std::string>& drawn_counters() {
  // What the charts of open, WebSocket, comet, push and connections phases draw.
  static const std::vector<std::string> names{"iterations_started", "iterations_completed",
                                              "iterations_dropped", "late_starts",
                                              "connections_opened", "ws_opened",
                                              "ws_messages_in",     "ws_messages_out",
                                              "sse_streams",        "sse_events",
                                              "longpoll_messages",  "push_published",
                                              "push_received",      "push_lost",
                                              "push_duplicated",    "held_established",
                                              "held_failed",        "held_dropped"};
  return names;
}

json second_json(const storage::interval_record& second) {
  const auto parsed = json::parse(second.metrics_json, nullptr, false);
  return second_json(second, parsed.is_object() ? parsed : json::object());
}

json second_json(const storage::interval_record& second, const json& m) {
  const auto requests = counter(m, "requests");
  const auto failed = std::min(requests, counter(m, "requests_failed"));
  const auto latency = histogram_named(second, "latency");
  json out = {
      {"index", second.index},
      {"t", static_cast<double>(second.started_at_ms) / 1000.0},
      {"phase", m.value("phase", "")},
      {"requests", requests},
      {"ok", requests - failed},
      {"failed", failed},
      {"users", counter(m, "active_users")},
      {"connections", counter(m, "active_connections")},
      {"bytes_in", counter(m, "bytes_in") + counter(m, "ws_bytes_in")},
      {"bytes_out", counter(m, "bytes_out") + counter(m, "ws_bytes_out")},
      {"latency_ms",
       percentiles(latency, {{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p999", 99.9}})},
      {"errors", counts_of(m, "errors")},
      {"status", counts_of(m, "status_codes")},
      {"counts", other_counts(m)},
      {"schedule_lag_ms",
       percentiles(histogram_named(second, "schedule_lag"), {{"p50", 50}, {"p99", 99}})},
      {"heatmap", heat_row(latency)}};
  // A distributed run's: what each agent that reported the second added to it.
  if (const auto it = m.find("agents"); it != m.end() && it->is_object()) {
    json agents = json::object();
    for (const auto& [name, a] : it->items()) {
      if (a.is_object()) {
        agents[name] = {{"requests", counter(a, "requests")}, {"failed", counter(a, "failed")}};
        if (a.value("ended", false)) {
          agents[name]["ended"] = true;
        }
      }
    }
    out["agents"] = std::move(agents);
  }
  // The system under test, by monitor: its values as sampled (docs/monitor.md).
  if (const auto it = m.find("sut"); it != m.end() && it->is_object()) {
    out["sut"] = *it;
  }
  return out;
}

json spectrum_json(const metrics::histogram& h) {
  // Four points a decade (p = 0, 43.8, 68.4, 82.2, 90, ..., 99.9999) until the count cannot
  // tell them apart.
  json x = json::array(), value = json::array();
  for (int k = 0; k <= 24; ++k) {
    const double inverse = std::pow(10.0, k / 4.0);
    if (inverse > static_cast<double>(h.count()) * 10) {
      break;
    }
    x.push_back(inverse);
    value.push_back(to_ms(h.value_at_percentile(100.0 * (1.0 - 1.0 / inverse))));
  }
  return {{"x", x}, {"ms", value}, {"count", h.count()}};
}

void run_so_far::add(const storage::interval_record& second) {
  const auto parsed = json::parse(second.metrics_json, nullptr, false);
  const auto& m = parsed.is_object() ? parsed : json::object();
  const auto requests = counter(m, "requests");
  requests_ += requests;
  failed_ += std::min(requests, counter(m, "requests_failed"));
  peak_users_ = std::max(peak_users_, counter(m, "active_users"));
  peak_connections_ = std::max(peak_connections_, counter(m, "active_connections"));
  ++seconds_;
  last_index_ = std::max(last_index_, second.index);
  if (auto h = histogram_named(second, "latency"); h && !h->empty()) {
    if (latency_) {
      latency_->merge(*h);
    } else {
      latency_ = std::move(h);
    }
  }
}

json run_so_far::totals() const {
  const auto elapsed = static_cast<double>(seconds_);
  json out = {
      {"status", "running"},
      {"duration_s", elapsed},
      {"requests",
       {{"total", requests_},
        {"ok", requests_ - failed_},
        {"failed", failed_},
        {"rps", elapsed > 0 ? static_cast<double>(requests_) / elapsed : 0.0}}},
      {"latency_ms", percentiles(latency_, {{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}})},
      {"users", {{"peak", peak_users_}}},
      {"connections", {{"peak", peak_connections_}}}};
  if (latency_) {
    out["spectrum"] = spectrum_json(*latency_);
  }
  return out;
}

}  // namespace stampede::report

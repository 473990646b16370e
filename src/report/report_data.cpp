// SPDX-License-Identifier: Apache-2.0
#include "report/report_data.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/histogram.hpp"

namespace stampede::report {
namespace {

using nlohmann::json;

std::uint64_t counter(const json& m, const char* key) {
  const auto it = m.find(key);
  return it != m.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

/// A series keyed by name (error class, status code) with zeros for the seconds it is absent.
void add_keyed(std::map<std::string, std::vector<std::uint64_t>>& series, const json& counts,
               std::size_t second, std::size_t seconds, bool nested_count) {
  if (!counts.is_object()) {
    return;
  }
  for (const auto& [key, value] : counts.items()) {
    auto& values = series[key];
    values.resize(seconds, 0);
    if (nested_count && value.is_object()) {
      values[second] = value.value("count", std::uint64_t{0});
    } else if (value.is_number_unsigned()) {
      values[second] = value.get<std::uint64_t>();
    }
  }
}

/// The latency of every second merged (the run's, or one scenario's), by histogram name.
std::optional<metrics::histogram> merged(const std::vector<storage::interval_record>& seconds,
                                         std::string_view name) {
  std::optional<metrics::histogram> all;
  for (const auto& iv : seconds) {
    for (const auto& [n, bytes] : iv.histograms) {
      if (n != name) {
        continue;
      }
      if (auto h = metrics::histogram::decode(bytes)) {
        if (!all) {
          all = std::move(*h);
        } else {
          all->merge(*h);
        }
      }
    }
  }
  return all;
}

/// The percentile spectrum as HdrHistogram plots it: x = 1 / (1 - p), at four points a decade
/// (p = 0, 43.8, 68.4, 82.2, 90, ..., 99.9999), until the count cannot tell them apart; the last
/// point is the maximum.
json spectrum(const metrics::histogram& h) {
  json x = json::array(), value = json::array();
  for (int k = 0; k <= 24; ++k) {
    const double inverse = std::pow(10.0, k / 4.0);
    if (inverse > static_cast<double>(h.count()) * 10) {
      break;
    }
    x.push_back(inverse);
    value.push_back(static_cast<double>(h.value_at_percentile(100.0 * (1.0 - 1.0 / inverse))) /
                    1000.0);
  }
  return {{"x", x}, {"ms", value}, {"count", h.count()}};
}

/// Heatmap rows: bucket edges in ms, four a decade from 10 us to 100 s (values outside go to
/// the first or last bucket).
constexpr int heat_buckets = 28;
double heat_edge_ms(int b) {
  return 0.01 * std::pow(10.0, b / 4.0);
}

std::vector<std::uint64_t> heat_row(const metrics::histogram& h) {
  std::vector<std::uint64_t> row(heat_buckets, 0);
  h.for_each_recorded([&](std::uint64_t low, std::uint64_t, std::uint64_t count) {
    const double ms = static_cast<double>(low) / 1000.0;
    int b = ms <= 0 ? 0 : static_cast<int>(std::floor(4.0 * std::log10(ms / 0.01)));
    b = std::clamp(b, 0, heat_buckets - 1);
    row[static_cast<std::size_t>(b)] += count;
  });
  return row;
}

}  // namespace

json report_data(const storage::run_record& run,
                 const std::vector<storage::interval_record>& seconds) {
  const auto n = seconds.size();
  json t = json::array();
  std::vector<std::uint64_t> requests, ok, failed, users, connections, bytes_in, bytes_out;
  json p50 = json::array(), p90 = json::array(), p99 = json::array(), p999 = json::array(),
       max = json::array();
  std::map<std::string, std::vector<std::uint64_t>> errors, status;
  json phases = json::array();
  json heat = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& iv = seconds[i];
    const auto m = json::parse(iv.metrics_json, nullptr, false);
    const auto& counters = m.is_object() ? m : json::object();
    t.push_back(static_cast<double>(iv.started_at_ms) / 1000.0);
    const auto all = counter(counters, "requests");
    const auto bad = counter(counters, "requests_failed");
    requests.push_back(all);
    failed.push_back(bad);
    ok.push_back(all - std::min(all, bad));
    users.push_back(counter(counters, "active_users"));
    connections.push_back(counter(counters, "active_connections"));
    bytes_in.push_back(counter(counters, "bytes_in") + counter(counters, "ws_bytes_in"));
    bytes_out.push_back(counter(counters, "bytes_out") + counter(counters, "ws_bytes_out"));
    if (const auto e = counters.find("errors"); e != counters.end()) {
      add_keyed(errors, *e, i, n, true);
    }
    if (const auto s = counters.find("status_codes"); s != counters.end()) {
      add_keyed(status, *s, i, n, false);
    }
    phases.push_back(counters.value("phase", ""));
    // The second's latency histogram (microseconds): exact percentiles of that second.
    std::optional<metrics::histogram> latency;
    for (const auto& [name, bytes] : iv.histograms) {
      if (name == "latency") {
        latency = metrics::histogram::decode(bytes);
      }
    }
    const auto at = [&](double p) -> json {
      if (!latency || latency->empty()) {
        return nullptr;
      }
      return static_cast<double>(latency->value_at_percentile(p)) / 1000.0;
    };
    p50.push_back(at(50));
    p90.push_back(at(90));
    p99.push_back(at(99));
    p999.push_back(at(99.9));
    max.push_back(latency && !latency->empty() ? json(static_cast<double>(latency->max()) / 1000.0)
                                               : json(nullptr));
    heat.push_back(latency ? heat_row(*latency) : std::vector<std::uint64_t>(heat_buckets, 0));
  }
  json keyed_errors = json::object();
  for (auto& [k, v] : errors) {
    v.resize(n, 0);
    keyed_errors[k] = v;
  }
  json keyed_status = json::object();
  for (auto& [k, v] : status) {
    v.resize(n, 0);
    keyed_status[k] = v;
  }
  json out;
  out["run"] = {{"id", run.id},
                {"name", run.name},
                {"command", run.command},
                {"status", run.status},
                {"exit_code", run.exit_code},
                {"started_at_ms", run.started_at_ms},
                {"ended_at_ms", run.ended_at_ms}};
  out["summary"] =
      run.summary_json.empty() ? json::object() : json::parse(run.summary_json, nullptr, false);
  if (out["summary"].is_discarded()) {
    out["summary"] = json::object();
  }
  out["campaign"] = run.campaign_text;
  out["seconds"] = {
      {"t", t},
      {"requests", requests},
      {"ok", ok},
      {"failed", failed},
      {"users", users},
      {"connections", connections},
      {"bytes_in", bytes_in},
      {"bytes_out", bytes_out},
      {"latency_ms", {{"p50", p50}, {"p90", p90}, {"p99", p99}, {"p999", p999}, {"max", max}}},
      {"errors", keyed_errors},
      {"status", keyed_status},
      {"phase", phases}};
  json edges = json::array();
  for (int b = 0; b <= heat_buckets; ++b) {
    edges.push_back(heat_edge_ms(b));
  }
  out["heatmap"] = {{"edges_ms", edges}, {"counts", heat}};
  // The spectrum of the run and of each scenario (their histograms are stored by index, in
  // the order the summary lists the scenarios).
  json spectra = json::object();
  if (const auto all = merged(seconds, "latency"); all && !all->empty()) {
    spectra["run"] = spectrum(*all);
  }
  json per_scenario = json::array();
  const auto scenarios = out["summary"].value("scenarios", json::array());
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const auto h = merged(seconds, "scenario_latency." + std::to_string(i));
    if (h && !h->empty()) {
      auto sp = spectrum(*h);
      sp["name"] = scenarios[i].value("name", "");
      per_scenario.push_back(std::move(sp));
    }
  }
  spectra["scenarios"] = per_scenario;
  out["spectrum"] = spectra;
  return out;
}

}  // namespace stampede::report

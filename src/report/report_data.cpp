// SPDX-License-Identifier: Apache-2.0
#include "report/report_data.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/histogram.hpp"
#include "report/second_data.hpp"

namespace stampede::report {
using nlohmann::json;

std::optional<metrics::histogram> merged_histogram(
    const std::vector<storage::interval_record>& seconds, std::string_view name) {
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

namespace {

/// A distributed run's requests per second by agent: {name: {"requests": [...], "failed":
/// [...], "ended": i}}, null in the seconds the agent never reported; `ended` the second its
/// load was over, when it was (the nulls after it are no gap).
json agent_columns(const std::vector<json>& per_second) {
  json out = json::object();
  const auto n = per_second.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = per_second[i].find("agents");
    if (it == per_second[i].end()) {
      continue;
    }
    for (const auto& [name, a] : it->items()) {
      auto& agent = out[name];
      if (agent.is_null()) {
        agent = {{"requests", json(std::vector<std::nullptr_t>(n, nullptr))},
                 {"failed", json(std::vector<std::nullptr_t>(n, nullptr))}};
      }
      agent["requests"][i] = a.at("requests");
      agent["failed"][i] = a.at("failed");
      if (a.value("ended", false)) {
        agent["ended"] = i;
      }
    }
  }
  return out;
}

/// The system under test by monitor: {name: {key: [...]}}, null in the seconds without a
/// sample of that value.
json sut_columns(const std::vector<json>& per_second) {
  json out = json::object();
  const auto n = per_second.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = per_second[i].find("sut");
    if (it == per_second[i].end()) {
      continue;
    }
    for (const auto& [name, values] : it->items()) {
      for (const auto& [key, v] : values.items()) {
        auto& column = out[name][key];
        if (column.is_null()) {
          column = json(std::vector<std::nullptr_t>(n, nullptr));
        }
        column[i] = v;
      }
    }
  }
  return out;
}

/// Per-second objects (second_json) as columns: one array per key, one value per second; the
/// keyed groups (errors, status) with a zero where a key is absent that second.
json columns(const std::vector<json>& per_second) {
  const auto n = per_second.size();
  json out = json::object();
  for (const char* key : {"t", "requests", "ok", "failed", "users", "connections", "bytes_in",
                          "bytes_out", "phase"}) {
    json values = json::array();
    for (const auto& s : per_second) {
      values.push_back(s.at(key));
    }
    out[key] = std::move(values);
  }
  json latency = json::object();
  for (const char* key : {"p50", "p90", "p99", "p999", "max"}) {
    json values = json::array();
    for (const auto& s : per_second) {
      values.push_back(s.at("latency_ms").at(key));
    }
    latency[key] = std::move(values);
  }
  out["latency_ms"] = std::move(latency);
  // Only where some second has it: the schedule lag of open and constant-throughput phases.
  json lag = json::object();
  for (const char* key : {"p50", "p99", "max"}) {
    json values = json::array();
    bool any = false;
    for (const auto& s : per_second) {
      values.push_back(s.at("schedule_lag_ms").at(key));
      any = any || !values.back().is_null();
    }
    if (any) {
      lag[key] = std::move(values);
    }
  }
  out["schedule_lag_ms"] = std::move(lag);
  if (auto agents = agent_columns(per_second); !agents.empty()) {
    out["agents"] = std::move(agents);
  }
  if (auto sut = sut_columns(per_second); !sut.empty()) {
    out["sut"] = std::move(sut);
  }
  for (const char* group : {"errors", "status", "counts"}) {
    json keyed = json::object();
    for (std::size_t i = 0; i < n; ++i) {
      for (const auto& [k, v] : per_second[i].at(group).items()) {
        auto& values = keyed[k];
        if (values.is_null()) {
          values = json(std::vector<std::uint64_t>(n, 0));
        }
        values[i] = v;
      }
    }
    out[group] = std::move(keyed);
  }
  return out;
}

/// Requests per second of the `limit` busiest steps (by name, busiest first) and of the rest
/// together as "other": a run with thousands of step names stays drawable. Steps are named by
/// the summary, in the order the seconds count them.
/// `metrics`: each second's stored counters, parsed once by the caller.
json step_series(const std::vector<json>& metrics, const json& summary, std::size_t limit) {
  const auto steps = summary.is_object() ? summary.value("steps", json::array()) : json::array();
  const auto n = metrics.size();
  std::vector<std::vector<std::uint64_t>> per_step(steps.size(), std::vector<std::uint64_t>(n));
  std::vector<std::uint64_t> totals(steps.size(), 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = metrics[i].find("step_requests");
    if (it == metrics[i].end() || !it->is_array()) {
      continue;
    }
    for (std::size_t k = 0; k < std::min(it->size(), steps.size()); ++k) {
      const auto v = (*it)[k].is_number_unsigned() ? (*it)[k].get<std::uint64_t>() : 0;
      per_step[k][i] = v;
      totals[k] += v;
    }
  }
  std::vector<std::size_t> order(steps.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    order[k] = k;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return totals[a] > totals[b]; });
  json names = json::array();
  json requests = json::array();
  std::vector<std::uint64_t> other(n, 0);
  bool any_other = false;
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const auto k = order[rank];
    if (rank < limit) {
      names.push_back(steps[k].value("name", ""));
      requests.push_back(per_step[k]);
    } else {
      any_other = any_other || totals[k] != 0;
      for (std::size_t i = 0; i < n; ++i) {
        other[i] += per_step[k][i];
      }
    }
  }
  json out = {{"names", names}, {"requests", requests}};
  if (any_other) {
    out["other"] = other;
    out["others"] = order.size() - limit;
  }
  return out;
}

}  // namespace

json run_json(const storage::run_record& run) {
  return {{"id", run.id},
          {"name", run.name},
          {"command", run.command},
          {"status", run.status},
          {"exit_code", run.exit_code},
          {"started_at_ms", run.started_at_ms},
          {"ended_at_ms", run.ended_at_ms}};
}

json report_data(const storage::run_record& run,
                 const std::vector<storage::interval_record>& seconds) {
  json out;
  out["run"] = run_json(run);
  out["summary"] =
      run.summary_json.empty() ? json::object() : json::parse(run.summary_json, nullptr, false);
  if (out["summary"].is_discarded()) {
    out["summary"] = json::object();
  }
  // Each second's counters parsed once, for its series and its steps'.
  std::vector<json> metrics;
  metrics.reserve(seconds.size());
  std::vector<json> per_second;
  per_second.reserve(seconds.size());
  json heat = json::array();
  for (const auto& iv : seconds) {
    auto m = json::parse(iv.metrics_json, nullptr, false);
    metrics.push_back(m.is_object() ? std::move(m) : json::object());
    auto s = second_json(iv, metrics.back());
    heat.push_back(std::move(s["heatmap"]));
    per_second.push_back(std::move(s));
  }
  // A run still going has no summary yet: its tiles show the seconds so far.
  if (out["summary"].empty()) {
    run_so_far so_far;
    for (const auto& iv : seconds) {
      so_far.add(iv);
    }
    out["so_far"] = so_far.totals();
  }
  out["campaign"] = run.campaign_text;
  out["seconds"] = columns(per_second);
  json edges = json::array();
  for (int b = 0; b <= heat_buckets; ++b) {
    edges.push_back(heat_edge_ms(b));
  }
  out["heatmap"] = {{"edges_ms", edges}, {"counts", heat}};
  out["spectrum"] = spectrum_data(seconds, out["summary"]);
  out["steps"] = step_series(metrics, out["summary"], busiest_steps_drawn);
  return out;
}

json profiles_json(const std::vector<storage::profile_record>& profiles) {
  json out = json::array();
  for (const auto& p : profiles) {
    // The folded lines come most frequent first: past the cap, the rest are one "(other
    // stacks)" block, so an hour's profile keeps the page small.
    json stacks = json::array();
    std::uint64_t other = 0;
    std::size_t lines = 0;
    std::size_t at = 0;
    while (at < p.folded.size()) {
      const auto end = std::min(p.folded.find('\n', at), p.folded.size());
      const std::string_view line(p.folded.data() + at, end - at);
      at = end + 1;
      const auto space = line.rfind(' ');
      if (space == std::string_view::npos) {
        continue;
      }
      const auto count = std::strtoull(std::string(line.substr(space + 1)).c_str(), nullptr, 10);
      if (++lines > profile_stacks_drawn) {
        other += count;
      } else {
        stacks.push_back({std::string(line.substr(0, space)), count});
      }
    }
    if (other > 0) {
      stacks.push_back({"(other stacks)", other});
    }
    out.push_back({{"monitor", p.monitor},
                   {"start_s", p.start_s},
                   {"duration_s", p.duration_s},
                   {"stacks", std::move(stacks)}});
  }
  return out;
}

json spectrum_data(const std::vector<storage::interval_record>& seconds, const json& summary) {
  // Scenarios' histograms are stored by index, in the order the summary lists the scenarios.
  json spectra = json::object();
  if (const auto all = merged_histogram(seconds, "latency"); all && !all->empty()) {
    spectra["run"] = spectrum_json(*all);
  }
  json per_scenario = json::array();
  const auto scenarios =
      summary.is_object() ? summary.value("scenarios", json::array()) : json::array();
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const auto h = merged_histogram(seconds, "scenario_latency." + std::to_string(i));
    if (h && !h->empty()) {
      auto sp = spectrum_json(*h);
      sp["name"] = scenarios[i].value("name", "");
      per_scenario.push_back(std::move(sp));
    }
  }
  spectra["scenarios"] = per_scenario;
  return spectra;
}

}  // namespace stampede::report

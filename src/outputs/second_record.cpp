// SPDX-License-Identifier: Apache-2.0
#include "outputs/second_record.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "metrics/error_class.hpp"
#include "metrics/sut_figures.hpp"
#include "report/second_data.hpp"

namespace stampede::outputs {
namespace {

std::optional<latency_figures> figures_of(const metrics::histogram& h) {
  if (h.empty()) {
    return std::nullopt;
  }
  const auto ms = [](std::uint64_t us) { return static_cast<double>(us) / 1000.0; };
  return latency_figures{ms(h.value_at_percentile(50)),
                         ms(h.value_at_percentile(90)),
                         ms(h.value_at_percentile(95)),
                         ms(h.value_at_percentile(99)),
                         ms(h.value_at_percentile(99.9)),
                         ms(h.max()),
                         h.mean() / 1000.0};
}

request_figures requests_of(std::uint64_t requests, std::uint64_t failed,
                            const metrics::histogram* latency) {
  return {requests, std::min(requests, failed),
          latency != nullptr ? figures_of(*latency) : std::nullopt};
}

/// The latency statistics as they are named in the outputs, with their values.
std::vector<std::pair<std::string_view, double>> stats(const latency_figures& l) {
  return {{"p50", l.p50},   {"p90", l.p90}, {"p95", l.p95},  {"p99", l.p99},
          {"p999", l.p999}, {"max", l.max}, {"mean", l.mean}};
}

nlohmann::json latency_json(const std::optional<latency_figures>& l) {
  if (!l) {
    return nullptr;
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : stats(*l)) {
    out[std::string(k)] = v;
  }
  return out;
}

nlohmann::json requests_json(const request_figures& f) {
  return {{"requests", f.requests},
          {"ok", f.requests - f.failed},
          {"failed", f.failed},
          {"latency_ms", latency_json(f.latency)}};
}

}  // namespace

second_record make_record(const engine::completed_interval& second,
                          const metrics::metric_layout& layout, std::int64_t start_ms) {
  const auto& m = second.merged;
  second_record r;
  r.index = second.index;
  r.t_ms = start_ms + second.index * 1000;
  r.total = requests_of(m.requests, m.requests_failed, &m.latency);
  r.users = m.active_users;
  r.connections = m.active_connections;
  r.bytes_in = m.bytes_in + m.ws_bytes_in;
  r.bytes_out = m.bytes_out + m.ws_bytes_out;
  r.checks_passed = m.checks_passed;
  r.checks_failed = m.checks_failed;
  r.schedule_lag = figures_of(m.schedule_lag);
  const auto& drawn = report::drawn_counters();
  for (const auto& f : metrics::counter_fields) {
    if (std::find(drawn.begin(), drawn.end(), f.name) != drawn.end()) {
      r.counts.emplace_back(std::string(f.name), m.*f.member);
    }
  }
  for (std::size_t i = 0; i < layout.scenarios.size(); ++i) {
    r.scenarios.emplace_back(
        layout.scenarios[i],
        requests_of(i < m.scenario_requests.size() ? m.scenario_requests[i] : 0,
                    i < m.scenario_failed.size() ? m.scenario_failed[i] : 0,
                    i < m.scenario_latency.size() ? &m.scenario_latency[i] : nullptr));
  }
  for (std::size_t i = 0; i < layout.steps.size(); ++i) {
    r.steps.emplace_back(layout.steps[i],
                         requests_of(i < m.step_requests.size() ? m.step_requests[i] : 0,
                                     i < m.step_failed.size() ? m.step_failed[i] : 0,
                                     i < m.steps.size() ? &m.steps[i] : nullptr));
  }
  for (std::size_t code = 0; code < m.status_codes.size(); ++code) {
    if (m.status_codes[code] != 0) {
      r.status.emplace_back(code == 0 ? "other" : std::to_string(code), m.status_codes[code]);
    }
  }
  for (std::size_t e = 0; e < m.errors.size(); ++e) {
    if (m.errors[e] != 0) {
      r.errors.emplace_back(std::string(metrics::error_class_names[e]), m.errors[e]);
    }
  }
  for (const auto& [name, share] : second.sources) {
    r.agents.emplace_back(name, request_figures{share.requests, share.failed, std::nullopt});
  }
  r.sut = second.sut;
  r.points = points(r);
  return r;
}

std::vector<series_point> points(const second_record& r) {
  std::vector<series_point> out;
  // The run's "requests", "latency_p99_ms", ...; by label "step_requests", "step_latency_p99_ms".
  const auto requests = [&](std::string_view label, const std::string& value,
                            const request_figures& f) {
    const auto prefix = label.empty() ? std::string() : std::string(label) + "_";
    out.push_back({prefix + "requests", label, value, static_cast<double>(f.requests), true});
    out.push_back({prefix + "ok", label, value, static_cast<double>(f.requests - f.failed), true});
    out.push_back({prefix + "failed", label, value, static_cast<double>(f.failed), true});
    if (f.latency) {
      for (const auto& [stat, v] : stats(*f.latency)) {
        out.push_back({fmt::format("{}latency_{}_ms", prefix, stat), label, value, v, false});
      }
    }
  };
  requests("", "", r.total);
  const auto count = [&](std::string_view metric, std::uint64_t v) {
    out.push_back({std::string(metric), "", "", static_cast<double>(v), true});
  };
  out.push_back({"users", "", "", static_cast<double>(r.users), false});
  out.push_back({"connections", "", "", static_cast<double>(r.connections), false});
  count("bytes_in", r.bytes_in);
  count("bytes_out", r.bytes_out);
  count("checks_passed", r.checks_passed);
  count("checks_failed", r.checks_failed);
  if (r.schedule_lag) {
    out.push_back({"schedule_lag_p50_ms", "", "", r.schedule_lag->p50, false});
    out.push_back({"schedule_lag_p99_ms", "", "", r.schedule_lag->p99, false});
    out.push_back({"schedule_lag_max_ms", "", "", r.schedule_lag->max, false});
  }
  for (const auto& [name, v] : r.counts) {
    count(name, v);
  }
  for (const auto& [name, f] : r.scenarios) {
    requests("scenario", name, f);
  }
  for (const auto& [name, f] : r.steps) {
    requests("step", name, f);
  }
  for (const auto& [code, n] : r.status) {
    out.push_back({"responses", "status", code, static_cast<double>(n), true});
  }
  for (const auto& [error, n] : r.errors) {
    out.push_back({"errors", "error", error, static_cast<double>(n), true});
  }
  for (const auto& [name, f] : r.agents) {
    requests("agent", name, f);
  }
  // "sut_cpu_percent", "sut_rss_bytes", "sut_listen_overflows" (a count), by monitor.
  for (const auto& [monitor, values] : r.sut) {
    for (const auto& [key, v] : values) {
      if (key == "pid") {
        continue;  // an identity, not a measure
      }
      const auto unit = metrics::unit_of(key);
      const char* suffix = unit == metrics::sut_unit::percent ? "_percent"
                           : unit == metrics::sut_unit::bytes ? "_bytes"
                                                              : "";
      out.push_back({"sut_" + key + suffix, "monitor", monitor, v,
                     metrics::fold_of(key) == metrics::sut_fold::total});
    }
  }
  return out;
}

nlohmann::json to_json(const second_record& r) {
  auto out = requests_json(r.total);
  out["t"] = static_cast<double>(r.t_ms) / 1000.0;
  out["index"] = r.index;
  out["campaign"] = r.campaign;
  if (r.run_id != 0) {
    out["run"] = r.run_id;
  }
  out["rps"] = r.total.requests;  // a second's requests are its rate
  out["users"] = r.users;
  out["connections"] = r.connections;
  out["bytes_in"] = r.bytes_in;
  out["bytes_out"] = r.bytes_out;
  out["checks"] = {{"passed", r.checks_passed}, {"failed", r.checks_failed}};
  if (r.schedule_lag) {
    out["schedule_lag_ms"] = {
        {"p50", r.schedule_lag->p50}, {"p99", r.schedule_lag->p99}, {"max", r.schedule_lag->max}};
  }
  auto& counts = out["counts"] = nlohmann::json::object();
  for (const auto& [name, v] : r.counts) {
    counts[name] = v;
  }
  for (const auto& [group, list] :
       {std::pair{"scenarios", &r.scenarios}, {"steps", &r.steps}, {"agents", &r.agents}}) {
    auto& g = out[group] = nlohmann::json::object();
    for (const auto& [name, f] : *list) {
      g[name] = requests_json(f);
      if (group == std::string_view("agents")) {
        g[name].erase("latency_ms");  // agents send counts only
      }
    }
  }
  if (!r.sut.empty()) {
    out["sut"] = r.sut;
  }
  auto& status = out["status"] = nlohmann::json::object();
  for (const auto& [code, n] : r.status) {
    status[code] = n;
  }
  auto& errors = out["errors"] = nlohmann::json::object();
  for (const auto& [e, n] : r.errors) {
    errors[e] = n;
  }
  return out;
}

}  // namespace stampede::outputs

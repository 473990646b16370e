// SPDX-License-Identifier: Apache-2.0
#include "engine/thresholds.hpp"

#include <algorithm>
#include <string_view>

namespace stampede::engine {
namespace {

constexpr std::string_view latency_prefix = "http.latency.";

/// failed / requests; nullopt without requests.
std::optional<double> ratio(std::uint64_t failed, std::uint64_t requests) {
  if (requests == 0) {
    return std::nullopt;
  }
  return static_cast<double>(failed) / static_cast<double>(requests);
}

/// The request-based metrics (those a scope may filter) of one scenario or step.
std::optional<double> of_requests(std::string_view metric, const metrics::latency_stats& latency,
                                  std::uint64_t requests, std::uint64_t failed, double duration_s) {
  if (metric.substr(0, latency_prefix.size()) == latency_prefix) {
    return latency.get(metric.substr(latency_prefix.size()));
  }
  if (metric == "http.error_rate") {
    return ratio(failed, requests);
  }
  if (metric == "http.requests") {
    return static_cast<double>(requests);
  }
  if (metric == "http.rps") {
    return duration_s > 0 ? static_cast<double>(requests) / duration_s : 0.0;
  }
  return std::nullopt;  // refused by the parser: not measured in this scope
}

/// Requests answered with `status`, a code ("503") or a class ("5xx"), over the whole run.
std::uint64_t with_status(const metrics::summary& s, const std::string& status) {
  const int first = status[0] - '0';
  std::uint64_t n = 0;
  for (const auto& [code, count] : s.status_codes) {
    const bool match = status[1] == 'x' ? code / 100 == first : std::to_string(code) == status;
    n += match ? count : 0;
  }
  return n;
}

}  // namespace

std::optional<double> measure(const scenario::threshold& t, const metrics::summary& s) {
  const auto& scope = t.scope;
  if (scope.empty()) {
    return s.metric(t.metric);
  }
  if (!scope.step.empty()) {
    const auto it =
        std::find_if(s.steps.begin(), s.steps.end(),
                     [&](const metrics::step_summary& st) { return st.name == scope.step; });
    if (it == s.steps.end()) {
      return std::nullopt;
    }
    auto requests = it->requests;
    if (!scope.status.empty()) {
      requests = it->status_classes.at(static_cast<std::size_t>(scope.status[0] - '1'));
    }
    return of_requests(t.metric, it->latency, requests, it->failed, s.duration_s);
  }
  if (!scope.scenario.empty()) {
    const auto it = std::find_if(
        s.scenarios.begin(), s.scenarios.end(),
        [&](const metrics::scenario_summary& sc) { return sc.name == scope.scenario; });
    if (it == s.scenarios.end()) {
      return std::nullopt;
    }
    return of_requests(t.metric, it->latency, it->requests, it->failed, s.duration_s);
  }
  return of_requests(t.metric, {}, with_status(s, scope.status), 0, s.duration_s);
}

metrics::threshold_result evaluate(const scenario::threshold& t, const metrics::summary& s) {
  using cmp = scenario::threshold::comparison;
  metrics::threshold_result r{t.expression, false, measure(t, s)};
  if (r.actual) {
    const double v = *r.actual;
    switch (t.op) {
      case cmp::less:
        r.ok = v < t.value;
        break;
      case cmp::less_equal:
        r.ok = v <= t.value;
        break;
      case cmp::greater:
        r.ok = v > t.value;
        break;
      case cmp::greater_equal:
        r.ok = v >= t.value;
        break;
      case cmp::equal:
        r.ok = v == t.value;
        break;
    }
  }
  return r;
}

void evaluate_thresholds(const std::vector<scenario::threshold>& thresholds, metrics::summary& s) {
  s.thresholds.clear();
  for (const auto& t : thresholds) {
    s.thresholds.push_back(evaluate(t, s));
  }
}

}  // namespace stampede::engine

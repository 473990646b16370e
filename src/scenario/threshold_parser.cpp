// SPDX-License-Identifier: Apache-2.0
#include "scenario/threshold_parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/duration_text.hpp"
#include "metrics/sut_figures.hpp"
#include "scenario/yaml_reader.hpp"

namespace stampede::scenario {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

enum class value_kind { latency, rate, count, sut };

// avg and med are what k6 users type; metrics::summary understands both spellings.
constexpr auto latency_stats = std::to_array<std::string_view>(
    {"min", "mean", "avg", "p50", "med", "p90", "p95", "p99", "p999", "max"});
constexpr auto latency_metrics = std::to_array<std::string_view>(
    {"http.latency.", "http.ttfb.", "http.connect.", "ws.rtt.", "ws.handshake.", "push.latency."});
constexpr auto rate_metrics = std::to_array<std::string_view>({"http.error_rate", "checks.rate"});
constexpr auto count_metrics = std::to_array<std::string_view>(
    {"http.requests", "http.rps", "iterations.dropped", "push.lost", "push.duplicated",
     "push.out_of_order", "connections.established", "connections.held", "connections.failed",
     "connections.dropped"});

/// sut.NAME.KEY or sut.KEY (docs/monitor.md): the monitor's name is one the run gives.
bool is_sut_metric(std::string_view metric) {
  if (metric.substr(0, 4) != "sut.") {
    return false;
  }
  const auto rest = metric.substr(4);
  const auto dot = rest.find('.');
  return metrics::is_sut_figure(rest) ||
         (dot != std::string_view::npos && dot > 0 && metrics::is_sut_figure(rest.substr(dot + 1)));
}

/// A size: a bare number of bytes, or with B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB.
std::optional<double> plain_number(std::string_view text);
std::optional<double> byte_size(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, double>, 7> units = {{
      {"KiB", 1024.0},
      {"MiB", 1024.0 * 1024},
      {"GiB", 1024.0 * 1024 * 1024},
      {"KB", 1e3},
      {"MB", 1e6},
      {"GB", 1e9},
      {"B", 1.0},
  }};
  for (const auto& [unit, scale] : units) {
    if (text.size() > unit.size() && text.substr(text.size() - unit.size()) == unit) {
      auto number = text.substr(0, text.size() - unit.size());
      while (!number.empty() && is_space(number.back())) {
        number.remove_suffix(1);
      }
      const auto v = plain_number(number);
      return v ? std::optional<double>(*v * scale) : std::nullopt;
    }
  }
  return plain_number(text);
}

std::optional<value_kind> kind_of(std::string_view metric) {
  if (is_sut_metric(metric)) {
    return value_kind::sut;
  }
  for (const std::string_view prefix : latency_metrics) {
    if (metric.substr(0, prefix.size()) == prefix) {
      const auto stat = metric.substr(prefix.size());
      if (std::find(latency_stats.begin(), latency_stats.end(), stat) != latency_stats.end()) {
        return value_kind::latency;
      }
      return std::nullopt;
    }
  }
  if (std::find(rate_metrics.begin(), rate_metrics.end(), metric) != rate_metrics.end()) {
    return value_kind::rate;
  }
  if (std::find(count_metrics.begin(), count_metrics.end(), metric) != count_metrics.end()) {
    return value_kind::count;
  }
  return std::nullopt;
}

/// The known metric closest to a misspelt `metric` ("http.latancy.p95"), if one is close.
std::optional<std::string> closest_metric(std::string_view metric) {
  std::vector<std::string> names;
  for (const auto prefix : latency_metrics) {
    for (const auto stat : latency_stats) {
      names.push_back(std::string(prefix) + std::string(stat));
    }
  }
  names.insert(names.end(), rate_metrics.begin(), rate_metrics.end());
  names.insert(names.end(), count_metrics.begin(), count_metrics.end());
  const std::vector<std::string_view> views(names.begin(), names.end());
  if (const auto best = detail::closest(metric, views)) {
    return std::string(*best);
  }
  return std::nullopt;
}

std::optional<double> plain_number(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

constexpr auto scope_keys = std::to_array<std::string_view>({"scenario", "step", "status"});
/// What stampede counts per scenario and per step (metric_set's scenario_* and step_* fields).
constexpr auto scoped_metrics =
    std::to_array<std::string_view>({"http.error_rate", "http.requests", "http.rps"});
/// What status codes and classes count: requests.
constexpr auto status_metrics = std::to_array<std::string_view>({"http.requests", "http.rps"});

void skip_spaces(std::string_view text, std::size_t& i) {
  while (i < text.size() && is_space(text[i])) {
    ++i;
  }
}

/// A filter's value from `text[i]` on: "quoted" (\" and \\ escape) or bare up to ',' or '}'.
std::string scope_value(std::string_view text, std::size_t& i, const std::string& written) {
  std::string value;
  if (i < text.size() && text[i] == '"') {
    for (++i; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        ++i;
      }
      value.push_back(text[i]);
    }
    if (i == text.size()) {
      throw std::invalid_argument("unterminated quote in '" + written + "'");
    }
    ++i;
    return value;
  }
  while (i < text.size() && text[i] != ',' && text[i] != '}') {
    value.push_back(text[i++]);
  }
  while (!value.empty() && is_space(value.back())) {
    value.pop_back();
  }
  return value;
}

/// Reads `{key=value, ...}` starting at the '{' at `text[i]`; leaves `i` after the '}'.
threshold_scope read_scope(std::string_view text, std::size_t& i, const std::string& written) {
  threshold_scope scope;
  ++i;
  while (true) {
    skip_spaces(text, i);
    const auto key_start = i;
    while (i < text.size() && text[i] != '=' && text[i] != ',' && text[i] != '}' &&
           !is_space(text[i])) {
      ++i;
    }
    const std::string key(text.substr(key_start, i - key_start));
    skip_spaces(text, i);
    if (key.empty() || i == text.size() || text[i] != '=') {
      if (i == text.size()) {
        throw std::invalid_argument("missing the '}' that ends the filter in '" + written + "'");
      }
      throw std::invalid_argument(
          "expected KEY=VALUE filters inside {...}, e.g. {scenario=checkout} or "
          "{step=\"POST /orders\"}, got '" +
          written + "'");
    }
    if (!detail::contains(scope_keys, key)) {
      const std::vector<std::string_view> known(scope_keys.begin(), scope_keys.end());
      const auto guess = detail::closest(key, known);
      throw std::invalid_argument(
          "unknown filter '" + key + "'" +
          (guess ? "; did you mean '" + std::string(*guess) + "'?" : std::string()) +
          " (known: scenario, step, status)");
    }
    ++i;
    skip_spaces(text, i);
    auto value = scope_value(text, i, written);
    if (value.empty()) {
      throw std::invalid_argument("the filter '" + key + "' has no value in '" + written + "'");
    }
    auto& slot = key == "scenario" ? scope.scenario : key == "step" ? scope.step : scope.status;
    if (!slot.empty()) {
      throw std::invalid_argument("the filter '" + key + "' is given twice in '" + written + "'");
    }
    slot = std::move(value);
    skip_spaces(text, i);
    if (i == text.size()) {
      throw std::invalid_argument("missing the '}' that ends the filter in '" + written + "'");
    }
    if (text[i++] == '}') {
      return scope;
    }
    if (text[i - 1] != ',') {
      throw std::invalid_argument("expected ',' or '}' after the filter '" + key + "' in '" +
                                  written +
                                  "' (quote a value holding spaces: {step=\"POST /orders\"})");
    }
  }
}

bool is_status_class(std::string_view status) {
  return status.size() == 3 && status[0] >= '1' && status[0] <= '5' &&
         (status[1] == 'x' || status[1] == 'X') && (status[2] == 'x' || status[2] == 'X');
}

bool is_status_code(std::string_view status) {
  return status.size() == 3 && status[0] >= '1' && status[0] <= '5' &&
         std::all_of(status.begin(), status.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Refuses a filter stampede cannot measure for `metric`, rather than guessing.
void check_scope(threshold_scope& scope, const std::string& metric) {
  if (scope.empty()) {
    return;
  }
  if (!scope.scenario.empty() && !scope.step.empty()) {
    throw std::invalid_argument(
        "give a scenario or a step, not both: a step's numbers add up over every scenario "
        "with a step of that name");
  }
  if (!scope.status.empty()) {
    if (!is_status_class(scope.status) && !is_status_code(scope.status)) {
      throw std::invalid_argument(
          "expected a status code like 500 or a class like 5xx, got status=" + scope.status);
    }
    if (is_status_class(scope.status)) {
      scope.status = std::string(1, scope.status[0]) + "xx";
    }
    if (!scope.scenario.empty()) {
      throw std::invalid_argument(
          "statuses are counted for the whole run and by step, not by scenario: filter by "
          "status alone, or by step and status class");
    }
    if (!scope.step.empty() && !is_status_class(scope.status)) {
      throw std::invalid_argument(
          "a step counts its statuses by class: write status=" + scope.status.substr(0, 1) +
          "xx, or filter by status=" + scope.status + " alone for the whole run");
    }
    if (!detail::contains(status_metrics, metric)) {
      throw std::invalid_argument("'" + metric +
                                  "' is not measured by status (by status: http.requests, "
                                  "http.rps)");
    }
    return;
  }
  if (metric.rfind("http.latency.", 0) != 0 && !detail::contains(scoped_metrics, metric)) {
    throw std::invalid_argument(
        "'" + metric + "' is not measured by " + (scope.step.empty() ? "scenario" : "step") +
        " (by scenario and by step: http.latency.<stat>, http.error_rate, http.requests, "
        "http.rps)");
  }
}

}  // namespace

threshold parse_threshold(std::string_view expression) {
  using cmp = threshold::comparison;
  const std::string written(expression);
  auto format_error = [&] {
    return std::invalid_argument(
        "expected METRIC OP VALUE with OP one of < <= > >= ==, e.g. 'http.latency.p95 < "
        "200ms', got '" +
        written + "'");
  };

  threshold t;
  t.expression = written;
  std::size_t i = 0;
  while (i < expression.size() && is_space(expression[i])) {
    ++i;
  }
  const auto metric_start = i;
  while (i < expression.size() && !is_space(expression[i]) && expression[i] != '<' &&
         expression[i] != '>' && expression[i] != '=' && expression[i] != '{') {
    ++i;
  }
  t.metric = std::string(expression.substr(metric_start, i - metric_start));
  if (i < expression.size() && expression[i] == '{' && !t.metric.empty()) {
    t.scope = read_scope(expression, i, written);
  }
  skip_spaces(expression, i);
  const auto rest = expression.substr(i);
  static constexpr std::array<std::pair<std::string_view, cmp>, 5> operators = {{
      {"<=", cmp::less_equal},
      {">=", cmp::greater_equal},
      {"==", cmp::equal},
      {"<", cmp::less},
      {">", cmp::greater},
  }};
  std::string_view op_text;
  for (const auto& [text, op] : operators) {
    if (rest.substr(0, text.size()) == text) {
      op_text = text;
      t.op = op;
      break;
    }
  }
  if (t.metric.empty() || op_text.empty()) {
    throw format_error();
  }
  auto value = rest.substr(op_text.size());
  while (!value.empty() && is_space(value.front())) {
    value.remove_prefix(1);
  }
  while (!value.empty() && is_space(value.back())) {
    value.remove_suffix(1);
  }
  const std::string value_text(value);
  if (value.empty()) {
    throw std::invalid_argument("missing the value after '" + std::string(op_text) + "' in '" +
                                written + "'");
  }

  const auto kind = kind_of(t.metric);
  if (!kind) {
    const auto guess = closest_metric(t.metric);
    throw std::invalid_argument(
        "unknown metric '" + t.metric + "'" +
        (guess ? "; did you mean '" + *guess + "'?" : std::string()) +
        " (known: http.latency.<stat>, http.ttfb.<stat>, http.connect.<stat>, ws.rtt.<stat>, "
        "ws.handshake.<stat>, push.latency.<stat> with <stat> one of min mean p50 p90 p95 p99 "
        "p999 max; http.error_rate, checks.rate, http.requests, http.rps, iterations.dropped, "
        "push.lost, push.duplicated, push.out_of_order, connections.established, "
        "connections.held, connections.failed, connections.dropped; sut.NAME.cpu.max and the "
        "other values of a monitor, docs/monitor.md)");
  }
  if (*kind == value_kind::sut && !t.scope.empty()) {
    throw std::invalid_argument("'" + t.metric +
                                "' is the system under test's: it has no scenario, step or status");
  }
  check_scope(t.scope, t.metric);
  switch (*kind) {
    case value_kind::latency:
      // A bare number is milliseconds here (unlike durations elsewhere, where it is seconds),
      // because latency thresholds are almost always written in milliseconds.
      if (const auto ms = plain_number(value); ms && *ms >= 0) {
        t.value = *ms;
      } else if (const auto d = core::parse_duration(value)) {
        t.value = static_cast<double>(d->count()) / 1e6;
      } else {
        throw std::invalid_argument(
            "expected a latency like 200ms, 1.5s or 800us (a bare number "
            "is milliseconds), got '" +
            value_text + "'");
      }
      break;
    case value_kind::rate: {
      const bool percent = value.back() == '%';
      auto v = plain_number(percent ? value.substr(0, value.size() - 1) : value);
      if (!v) {
        throw std::invalid_argument("expected a ratio like 0.01 or a percentage like 1%, got '" +
                                    value_text + "'");
      }
      t.value = percent ? *v / 100.0 : *v;
      if (!percent && *v >= 1 && *v <= 100) {
        // "< 1" reads as 1% to some and as a ratio of 1 (100%: never failing) to others.
        throw std::invalid_argument(fmt::format(
            "'{}' is ambiguous: a bare number is a ratio below 1 (0.01 is 1%); write {}% for a "
            "percentage, or 100% for all",
            value_text, value_text));
      }
      if (t.value < 0 || t.value > 1) {
        // "< 5" most likely means 5%, which a ratio cannot say; refuse rather than guess.
        throw std::invalid_argument("a rate is between 0 and 1 (or 0% and 100%), got '" +
                                    value_text + "'");
      }
      break;
    }
    case value_kind::sut: {
      const auto unit = metrics::unit_of(metrics::is_sut_figure(t.metric.substr(4))
                                             ? t.metric.substr(4)
                                             : t.metric.substr(t.metric.find('.', 4) + 1));
      std::optional<double> v;
      if (unit == metrics::sut_unit::percent) {
        // CPU is in percent of one core: 150% is a core and a half.
        v = plain_number(value.back() == '%' ? value.substr(0, value.size() - 1) : value);
      } else if (unit == metrics::sut_unit::bytes) {
        v = byte_size(value);
      } else {
        v = plain_number(value);
      }
      if (!v || *v < 0) {
        throw std::invalid_argument(
            unit == metrics::sut_unit::percent
                ? "expected a percentage like 150% (of one core for a process's cpu), got '" +
                      value_text + "'"
            : unit == metrics::sut_unit::bytes
                ? "expected a size like 512MiB, 2GB or a number of bytes, got '" + value_text + "'"
                : "expected a number >= 0, got '" + value_text + "'");
      }
      t.value = *v;
      break;
    }
    case value_kind::count:
      if (const auto v = plain_number(value); v && *v >= 0) {
        t.value = *v;
      } else {
        throw std::invalid_argument("expected a number >= 0, got '" + value_text + "'");
      }
      break;
  }
  return t;
}

}  // namespace stampede::scenario

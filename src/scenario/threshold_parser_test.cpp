// SPDX-License-Identifier: Apache-2.0
#include "scenario/threshold_parser.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace stampede::scenario {
namespace {

using cmp = threshold::comparison;

/// The exact error text for `expression`, or "no error".
std::string error_of(std::string_view expression) {
  try {
    parse_threshold(expression);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(Thresholds, Operators) {
  EXPECT_EQ(parse_threshold("http.rps < 5").op, cmp::less);
  EXPECT_EQ(parse_threshold("http.rps <= 5").op, cmp::less_equal);
  EXPECT_EQ(parse_threshold("http.rps > 5").op, cmp::greater);
  EXPECT_EQ(parse_threshold("http.rps >= 5").op, cmp::greater_equal);
  EXPECT_EQ(parse_threshold("http.rps == 5").op, cmp::equal);
  const auto t = parse_threshold("  http.rps>=5  ");
  EXPECT_EQ(t.metric, "http.rps");
  EXPECT_EQ(t.op, cmp::greater_equal);
  EXPECT_DOUBLE_EQ(t.value, 5);
  EXPECT_EQ(t.expression, "  http.rps>=5  ");
}

TEST(Thresholds, LatencyUnitsAreStoredInMilliseconds) {
  EXPECT_DOUBLE_EQ(parse_threshold("http.latency.p99 <= 1.5s").value, 1500);
  EXPECT_DOUBLE_EQ(parse_threshold("http.latency.p95 < 200ms").value, 200);
  EXPECT_DOUBLE_EQ(parse_threshold("http.ttfb.max<800us").value, 0.8);
  EXPECT_DOUBLE_EQ(parse_threshold("http.connect.mean < 1m").value, 60000);
  EXPECT_DOUBLE_EQ(parse_threshold("http.connect.mean < 20").value, 20);  // bare: ms
  EXPECT_DOUBLE_EQ(parse_threshold("http.latency.p50 < 0.5").value, 0.5);
  for (const auto* stat :
       {"min", "mean", "avg", "p50", "med", "p90", "p95", "p99", "p999", "max"}) {
    for (const auto* family : {"http.latency.", "http.ttfb.", "http.connect."}) {
      const auto metric = std::string(family) + stat;
      EXPECT_EQ(parse_threshold(metric + " < 1ms").metric, metric);
    }
  }
}

TEST(Thresholds, RatesAcceptRatiosAndPercentages) {
  EXPECT_DOUBLE_EQ(parse_threshold("http.error_rate < 1%").value, 0.01);
  EXPECT_DOUBLE_EQ(parse_threshold("http.latency.p99 < 1m30s").value, 90000);
  EXPECT_DOUBLE_EQ(parse_threshold("http.error_rate < 0.01").value, 0.01);
  EXPECT_DOUBLE_EQ(parse_threshold("http.error_rate == 0").value, 0);
  EXPECT_DOUBLE_EQ(parse_threshold("checks.rate >= 99.5%").value, 0.995);
  EXPECT_DOUBLE_EQ(parse_threshold("checks.rate > 0.99").value, 0.99);
  EXPECT_DOUBLE_EQ(parse_threshold("checks.rate == 100%").value, 1);
}

TEST(Thresholds, Counts) {
  EXPECT_DOUBLE_EQ(parse_threshold("http.requests >= 1000").value, 1000);
  EXPECT_DOUBLE_EQ(parse_threshold("http.rps > 99.5").value, 99.5);
  EXPECT_DOUBLE_EQ(parse_threshold("iterations.dropped == 0").value, 0);
}

TEST(Thresholds, Errors) {
  EXPECT_EQ(error_of("http.latency.p95"),
            "expected METRIC OP VALUE with OP one of < <= > >= ==, e.g. 'http.latency.p95 < "
            "200ms', got 'http.latency.p95'");
  EXPECT_EQ(error_of("http.rps = 5"),
            "expected METRIC OP VALUE with OP one of < <= > >= ==, e.g. 'http.latency.p95 < "
            "200ms', got 'http.rps = 5'");
  EXPECT_EQ(error_of("< 5"),
            "expected METRIC OP VALUE with OP one of < <= > >= ==, e.g. 'http.latency.p95 < "
            "200ms', got '< 5'");
  EXPECT_EQ(error_of(""),
            "expected METRIC OP VALUE with OP one of < <= > >= ==, e.g. 'http.latency.p95 < "
            "200ms', got ''");
  EXPECT_EQ(error_of("http.rps >= "), "missing the value after '>=' in 'http.rps >= '");
  const std::string known =
      " (known: http.latency.<stat>, http.ttfb.<stat>, http.connect.<stat>, ws.rtt.<stat>, "
      "ws.handshake.<stat>, push.latency.<stat> with <stat> one of min mean p50 p90 p95 "
      "p99 p999 max; "
      "http.error_rate, checks.rate, http.requests, http.rps, iterations.dropped, push.lost, "
      "push.duplicated, push.out_of_order, connections.established, connections.held, "
      "connections.failed, connections.dropped; sut.NAME.cpu.max and the other values of a "
      "monitor, docs/monitor.md)";
  EXPECT_EQ(error_of("cpu < 50"), "unknown metric 'cpu'" + known);
  EXPECT_EQ(error_of("http.latency.p42 < 5ms"),
            "unknown metric 'http.latency.p42'; did you mean 'http.latency.p50'?" + known);
  EXPECT_EQ(error_of("http.latancy.p95 < 5ms"),
            "unknown metric 'http.latancy.p95'; did you mean 'http.latency.p95'?" + known);
  EXPECT_EQ(error_of("http.eror_rate < 1%"),
            "unknown metric 'http.eror_rate'; did you mean 'http.error_rate'?" + known);
  EXPECT_EQ(error_of("http.latency < 5ms"), "unknown metric 'http.latency'" + known);
  EXPECT_EQ(
      error_of("http.latency.p95 < fast"),
      "expected a latency like 200ms, 1.5s or 800us (a bare number is milliseconds), got 'fast'");
  EXPECT_EQ(
      error_of("http.latency.p95 < -5ms"),
      "expected a latency like 200ms, 1.5s or 800us (a bare number is milliseconds), got '-5ms'");
  EXPECT_EQ(
      error_of("http.latency.p95 < -5"),
      "expected a latency like 200ms, 1.5s or 800us (a bare number is milliseconds), got '-5'");
  EXPECT_EQ(
      error_of("http.latency.p95 < 200 ms"),
      "expected a latency like 200ms, 1.5s or 800us (a bare number is milliseconds), got '200 ms'");
  EXPECT_EQ(error_of("http.error_rate < lots"),
            "expected a ratio like 0.01 or a percentage like 1%, got 'lots'");
  EXPECT_EQ(error_of("http.error_rate < %"),
            "expected a ratio like 0.01 or a percentage like 1%, got '%'");
  EXPECT_EQ(error_of("http.error_rate < 5"),
            "'5' is ambiguous: a bare number is a ratio below 1 (0.01 is 1%); write 5% for a "
            "percentage, or 100% for all");
  EXPECT_EQ(error_of("http.error_rate < 1"),
            "'1' is ambiguous: a bare number is a ratio below 1 (0.01 is 1%); write 1% for a "
            "percentage, or 100% for all");
  EXPECT_EQ(error_of("http.error_rate < 250"),
            "a rate is between 0 and 1 (or 0% and 100%), got '250'");
  EXPECT_EQ(error_of("checks.rate > 101%"),
            "a rate is between 0 and 1 (or 0% and 100%), got '101%'");
  EXPECT_EQ(error_of("http.rps > many"), "expected a number >= 0, got 'many'");
  EXPECT_EQ(error_of("iterations.dropped < -1"), "expected a number >= 0, got '-1'");
}

TEST(Thresholds, ScopesFilterByScenarioStepOrStatus) {
  const auto by_scenario = parse_threshold("http.latency.p95{scenario=checkout} < 300ms");
  EXPECT_EQ(by_scenario.metric, "http.latency.p95");
  EXPECT_EQ(by_scenario.scope.scenario, "checkout");
  EXPECT_TRUE(by_scenario.scope.step.empty());
  EXPECT_TRUE(by_scenario.scope.status.empty());
  EXPECT_DOUBLE_EQ(by_scenario.value, 300);
  EXPECT_EQ(by_scenario.expression, "http.latency.p95{scenario=checkout} < 300ms");

  const auto by_step = parse_threshold("http.error_rate{step=\"POST /orders\"} < 1%");
  EXPECT_EQ(by_step.metric, "http.error_rate");
  EXPECT_EQ(by_step.scope.step, "POST /orders");
  EXPECT_DOUBLE_EQ(by_step.value, 0.01);

  EXPECT_EQ(parse_threshold("http.requests{status=500} == 0").scope.status, "500");
  EXPECT_EQ(parse_threshold("http.rps{status=5XX}<1").scope.status, "5xx");
  const auto both = parse_threshold("http.requests{ step = \"GET /\" , status = 4xx } <= 3");
  EXPECT_EQ(both.scope.step, "GET /");
  EXPECT_EQ(both.scope.status, "4xx");
  EXPECT_EQ(both.op, cmp::less_equal);
  EXPECT_EQ(parse_threshold("http.requests{step=\"say \\\"hi\\\", {x}\"} > 0").scope.step,
            "say \"hi\", {x}");
  EXPECT_EQ(parse_threshold("http.latency.p99{step=GET /a b} < 1s").scope.step, "GET /a b");
  EXPECT_TRUE(parse_threshold("http.rps > 1").scope.empty());
}

TEST(Thresholds, ScopeErrors) {
  EXPECT_EQ(error_of("http.rps{scenaro=a} > 1"),
            "unknown filter 'scenaro'; did you mean 'scenario'? (known: scenario, step, status)");
  EXPECT_EQ(error_of("http.rps{host=a} > 1"),
            "unknown filter 'host' (known: scenario, step, status)");
  EXPECT_EQ(error_of("http.rps{step=a, step=b} > 1"),
            "the filter 'step' is given twice in 'http.rps{step=a, step=b} > 1'");
  EXPECT_EQ(error_of("http.rps{step=} > 1"),
            "the filter 'step' has no value in 'http.rps{step=} > 1'");
  EXPECT_EQ(error_of("http.rps{step=\"\"} > 1"),
            "the filter 'step' has no value in 'http.rps{step=\"\"} > 1'");
  EXPECT_EQ(error_of("http.rps{step=a > 1"),
            "missing the '}' that ends the filter in 'http.rps{step=a > 1'");
  EXPECT_EQ(error_of("http.rps{step=\"a} > 1"), "unterminated quote in 'http.rps{step=\"a} > 1'");
  EXPECT_EQ(error_of("http.rps{checkout} > 1"),
            "expected KEY=VALUE filters inside {...}, e.g. {scenario=checkout} or "
            "{step=\"POST /orders\"}, got 'http.rps{checkout} > 1'");
  EXPECT_EQ(error_of("http.rps{} > 1"),
            "expected KEY=VALUE filters inside {...}, e.g. {scenario=checkout} or "
            "{step=\"POST /orders\"}, got 'http.rps{} > 1'");
  EXPECT_EQ(error_of("http.rps{step=\"a\" b} > 1"),
            "expected ',' or '}' after the filter 'step' in 'http.rps{step=\"a\" b} > 1' (quote a "
            "value holding spaces: {step=\"POST /orders\"})");
  EXPECT_EQ(error_of("http.requests{status=600} > 1"),
            "expected a status code like 500 or a class like 5xx, got status=600");
  EXPECT_EQ(error_of("http.requests{status=5x} > 1"),
            "expected a status code like 500 or a class like 5xx, got status=5x");
  EXPECT_EQ(error_of("http.requests{status=5e2} > 1"),
            "expected a status code like 500 or a class like 5xx, got status=5e2");
  EXPECT_EQ(error_of("http.rps{scenario=a, step=b} > 1"),
            "give a scenario or a step, not both: a step's numbers add up over every scenario "
            "with a step of that name");
  EXPECT_EQ(error_of("http.requests{scenario=a, status=5xx} > 1"),
            "statuses are counted for the whole run and by step, not by scenario: filter by "
            "status alone, or by step and status class");
  EXPECT_EQ(error_of("http.requests{step=a, status=503} > 1"),
            "a step counts its statuses by class: write status=5xx, or filter by status=503 "
            "alone for the whole run");
  EXPECT_EQ(error_of("http.error_rate{status=5xx} < 1%"),
            "'http.error_rate' is not measured by status (by status: http.requests, http.rps)");
  EXPECT_EQ(error_of("http.ttfb.p95{step=a} < 1s"),
            "'http.ttfb.p95' is not measured by step (by scenario and by step: "
            "http.latency.<stat>, http.error_rate, http.requests, http.rps)");
  EXPECT_EQ(error_of("checks.rate{scenario=a} > 99%"),
            "'checks.rate' is not measured by scenario (by scenario and by step: "
            "http.latency.<stat>, http.error_rate, http.requests, http.rps)");
}

TEST(Thresholds, SystemUnderTestValuesHaveTheirUnits) {
  // CPU in percent of one core: above 100 on several.
  const auto cpu = parse_threshold("sut.nginx.cpu.max < 150%");
  EXPECT_EQ(cpu.metric, "sut.nginx.cpu.max");
  EXPECT_DOUBLE_EQ(cpu.value, 150);
  EXPECT_DOUBLE_EQ(parse_threshold("sut.cpu.max < 90").value, 90);
  EXPECT_DOUBLE_EQ(parse_threshold("sut.web.rss.max < 512MiB").value, 512.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_threshold("sut.rss.max < 2GB").value, 2e9);
  EXPECT_DOUBLE_EQ(parse_threshold("sut.web.rss.max < 1000").value, 1000);
  EXPECT_DOUBLE_EQ(parse_threshold("sut.web.listen_overflows == 0").value, 0);
  EXPECT_DOUBLE_EQ(parse_threshold("sut.mem_available.min > 1GiB").value, 1024.0 * 1024 * 1024);
  EXPECT_EQ(parse_threshold("sut.samples >= 10").metric, "sut.samples");
}

TEST(Thresholds, SystemUnderTestMistakesAreNamed) {
  EXPECT_NE(error_of("sut.web.cpu.p99 < 10%").find("unknown metric 'sut.web.cpu.p99'"),
            std::string::npos);
  EXPECT_NE(error_of("sut.web.listen_overflows.max == 0").find("unknown metric"),
            std::string::npos);
  EXPECT_NE(error_of("sut.cpu < 10%").find("unknown metric"), std::string::npos);
  EXPECT_EQ(error_of("sut.web.rss.max < lots"),
            "expected a size like 512MiB, 2GB or a number of bytes, got 'lots'");
  EXPECT_EQ(error_of("sut.web.cpu.max < -5%"),
            "expected a percentage like 150% (of one core for a process's cpu), got '-5%'");
  EXPECT_EQ(error_of("sut.web.cpu.max{step=home} < 50%"),
            "'sut.web.cpu.max' is the system under test's: it has no scenario, step or status");
}

}  // namespace
}  // namespace stampede::scenario

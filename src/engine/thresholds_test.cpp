// SPDX-License-Identifier: Apache-2.0
#include "engine/thresholds.hpp"

#include <gtest/gtest.h>

#include "engine/threshold_abort.hpp"
#include "scenario/threshold_parser.hpp"

namespace stampede::engine {
namespace {

scenario::threshold make(std::string metric, scenario::threshold::comparison op, double v) {
  scenario::threshold t;
  t.expression = metric + " ?";
  t.metric = std::move(metric);
  t.op = op;
  t.value = v;
  return t;
}

metrics::summary sample_summary() {
  metrics::metric_layout layout;
  metrics::metric_set m(layout);
  for (std::uint64_t us = 1000; us <= 100000; us += 1000) {
    m.latency.record(us);  // 1 ms .. 100 ms
  }
  m.requests = 100;
  m.requests_failed = 2;
  m.checks_passed = 9;
  m.checks_failed = 1;
  return metrics::summary::build(m, layout, 10.0);
}

TEST(Thresholds, ComparesEachMetricInItsUnit) {
  using cmp = scenario::threshold::comparison;
  auto s = sample_summary();
  evaluate_thresholds(
      {make("http.latency.p95", cmp::less, 200), make("http.latency.p95", cmp::less, 50),
       make("http.latency.max", cmp::less_equal, 100), make("http.error_rate", cmp::less, 0.01),
       make("http.error_rate", cmp::less_equal, 0.02), make("checks.rate", cmp::greater_equal, 0.9),
       make("http.requests", cmp::equal, 100), make("http.rps", cmp::greater, 9.9)},
      s);
  ASSERT_EQ(s.thresholds.size(), 8u);
  EXPECT_TRUE(s.thresholds[0].ok);
  EXPECT_FALSE(s.thresholds[1].ok);
  EXPECT_NEAR(*s.thresholds[1].actual, 95.0, 0.1);
  EXPECT_TRUE(s.thresholds[2].ok);
  EXPECT_FALSE(s.thresholds[3].ok);
  EXPECT_TRUE(s.thresholds[4].ok);
  EXPECT_TRUE(s.thresholds[5].ok);
  EXPECT_TRUE(s.thresholds[6].ok);
  EXPECT_TRUE(s.thresholds[7].ok);
  EXPECT_FALSE(s.thresholds_ok());
}

TEST(Thresholds, NoDataFails) {
  using cmp = scenario::threshold::comparison;
  metrics::metric_layout layout;
  auto s = metrics::summary::build(metrics::metric_set(layout), layout, 1.0);
  evaluate_thresholds(
      {make("http.latency.p95", cmp::less, 1000), make("checks.rate", cmp::greater, 0)}, s);
  EXPECT_FALSE(s.thresholds[0].ok);
  EXPECT_FALSE(s.thresholds[0].actual.has_value());
  EXPECT_FALSE(s.thresholds[1].ok);
}

/// Two scenarios, each with its step: "checkout" POSTs (2 of 10 answered 500), "browse" GETs
/// (20, all 200). Latency: checkout 100 ms, browse 10 ms.
metrics::metric_layout shop_layout() {
  return {{"checkout", "browse"}, {"POST /orders", "GET /"}, {}};
}

metrics::metric_set shop_second(const metrics::metric_layout& layout) {
  metrics::metric_set m(layout);
  for (int i = 0; i < 10; ++i) {
    const int status = i < 2 ? 500 : 201;
    m.record_step(0, status == 500, status);
    m.record_status(status);
    m.steps[0].record(100'000);
    m.scenario_latency[0].record(100'000);
    m.latency.record(100'000);
  }
  for (int i = 0; i < 20; ++i) {
    m.record_step(1, false, 200);
    m.record_status(200);
    m.steps[1].record(10'000);
    m.scenario_latency[1].record(10'000);
    m.latency.record(10'000);
  }
  m.requests = 30;
  m.requests_failed = 2;
  m.scenario_requests = {10, 20};
  m.scenario_failed = {2, 0};
  return m;
}

double measured(std::string_view expression, const metrics::summary& s) {
  const auto v = measure(scenario::parse_threshold(expression), s);
  EXPECT_TRUE(v.has_value()) << expression;
  return v.value_or(-1);
}

TEST(Thresholds, ScopedValuesComeFromTheirScenarioStepOrStatus) {
  const auto layout = shop_layout();
  const auto s = metrics::summary::build(shop_second(layout), layout, 2.0);
  EXPECT_NEAR(measured("http.error_rate < 1%", s), 2.0 / 30, 1e-9);
  EXPECT_NEAR(measured("http.error_rate{scenario=checkout} < 1%", s), 0.2, 1e-9);
  EXPECT_DOUBLE_EQ(measured("http.error_rate{scenario=browse} < 1%", s), 0);
  EXPECT_DOUBLE_EQ(measured("http.error_rate{step=\"GET /\"} < 1%", s), 0);
  EXPECT_NEAR(measured("http.error_rate{step=\"POST /orders\"} < 1%", s), 0.2, 1e-9);
  EXPECT_NEAR(measured("http.latency.p95{scenario=checkout} < 1ms", s), 100, 1);
  EXPECT_NEAR(measured("http.latency.max{step=\"GET /\"} < 1ms", s), 10, 0.1);
  EXPECT_DOUBLE_EQ(measured("http.requests{scenario=browse} > 1", s), 20);
  EXPECT_DOUBLE_EQ(measured("http.rps{step=\"POST /orders\"} > 1", s), 5);
  EXPECT_DOUBLE_EQ(measured("http.requests{status=500} > 1", s), 2);
  EXPECT_DOUBLE_EQ(measured("http.requests{status=2xx} > 1", s), 28);
  EXPECT_DOUBLE_EQ(measured("http.requests{status=404} > 1", s), 0);
  EXPECT_DOUBLE_EQ(measured("http.rps{status=5xx} > 1", s), 1);
  EXPECT_DOUBLE_EQ(measured("http.requests{step=\"POST /orders\", status=5xx} > 1", s), 2);
  EXPECT_DOUBLE_EQ(measured("http.requests{step=\"GET /\", status=5xx} > 1", s), 0);
}

TEST(Thresholds, AScopedThresholdHoldsWhereTheRunWideOneFails) {
  const auto layout = shop_layout();
  auto s = metrics::summary::build(shop_second(layout), layout, 1.0);
  evaluate_thresholds({scenario::parse_threshold("http.error_rate{step=\"GET /\"} < 1%"),
                       scenario::parse_threshold("http.error_rate < 1%"),
                       scenario::parse_threshold("http.latency.p95{scenario=browse} < 50ms"),
                       scenario::parse_threshold("http.latency.p95 < 50ms")},
                      s);
  ASSERT_EQ(s.thresholds.size(), 4u);
  EXPECT_TRUE(s.thresholds[0].ok);
  EXPECT_FALSE(s.thresholds[1].ok);
  EXPECT_TRUE(s.thresholds[2].ok);
  EXPECT_FALSE(s.thresholds[3].ok);
  EXPECT_EQ(s.thresholds[0].expression, "http.error_rate{step=\"GET /\"} < 1%");
}

TEST(Thresholds, AScopeWithoutDataFails) {
  const auto layout = shop_layout();
  auto s = metrics::summary::build(metrics::metric_set(layout), layout, 1.0);
  evaluate_thresholds({scenario::parse_threshold("http.error_rate{scenario=checkout} < 1%"),
                       scenario::parse_threshold("http.latency.p95{step=\"GET /\"} < 1s"),
                       scenario::parse_threshold("http.requests{status=5xx} == 0")},
                      s);
  EXPECT_FALSE(s.thresholds[0].ok);
  EXPECT_FALSE(s.thresholds[0].actual);
  EXPECT_FALSE(s.thresholds[1].ok);
  EXPECT_TRUE(s.thresholds[2].ok);  // a count of none is measured: zero
}

scenario::threshold aborting(std::string_view expression, std::chrono::seconds delay) {
  auto t = scenario::parse_threshold(expression);
  t.abort_on_fail = true;
  t.delay = delay;
  return t;
}

TEST(ThresholdAbort, TheFirstFailingThresholdPastItsDelayAborts) {
  const auto layout = shop_layout();
  const auto totals = shop_second(layout);
  const std::vector<scenario::threshold> thresholds = {
      scenario::parse_threshold("http.error_rate < 1%"),  // checked at the end only
      aborting("http.error_rate{step=\"GET /\"} < 1%", std::chrono::seconds(0)),
      aborting("http.error_rate{scenario=checkout} < 1%", std::chrono::seconds(3)),
      aborting("http.latency.p95 < 1ms", std::chrono::seconds(5))};
  const abort_thresholds watch(thresholds);
  EXPECT_FALSE(watch.check(totals, layout, 0));
  EXPECT_FALSE(watch.check(totals, layout, 2));  // only the passing one is due
  const auto at3 = watch.check(totals, layout, 3);
  ASSERT_TRUE(at3);
  EXPECT_EQ(at3->index, 2u);
  EXPECT_EQ(at3->seconds, 3);
  EXPECT_FALSE(at3->result.ok);
  EXPECT_NEAR(*at3->result.actual, 0.2, 1e-9);
  EXPECT_EQ(at3->result.expression, "http.error_rate{scenario=checkout} < 1%");
  EXPECT_EQ(watch.check(totals, layout, 9)->index, 2u);
}

TEST(ThresholdAbort, NoDataYetWaitsRatherThanAborts) {
  const auto layout = shop_layout();
  const std::vector<scenario::threshold> thresholds = {
      aborting("http.latency.p95 < 1s", std::chrono::seconds(0))};
  const abort_thresholds watch(thresholds);
  EXPECT_FALSE(watch.check(metrics::metric_set(layout), layout, 4));
}

}  // namespace
}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
#include "engine/thresholds.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// A campaign's thresholds: plain expressions and {threshold, abort_on_fail, delay} mappings,
// and filters that must name the campaign's own scenarios and steps.
#include <gtest/gtest.h>

#include "scenario/campaign_test_support.hpp"
#include "scenario/threshold_scope_check.hpp"

namespace stampede::scenario {
namespace {

using namespace test;

/// Two scenarios; the second's steps in a loop, one named, one publishing.
const char* const shop = R"(target: http://127.0.0.1:8080
phases:
  - name: steady
    duration: 60s
    users: 5
scenarios:
  - name: checkout
    flow:
      - post: /orders
      - get: /status?code=500
  - name: Browse
    flow:
      - loop:
          count: 2
          flow:
            - get: {url: /items, name: list items}
            - publish: {url: /pub, rate: 1}
thresholds:
)";

campaign with_thresholds(const std::string& lines) {
  return parse(shop + lines);
}

std::string error_with(const std::string& lines) {
  return error_of(shop + lines);
}

TEST(CampaignThresholds, PlainAndScopedExpressions) {
  const auto c = with_thresholds(
      "  - http.latency.p95{scenario=checkout} < 300ms\n"
      "  - http.error_rate{step=\"POST /orders\"} < 1%\n"
      "  - http.requests{step=\"list items\", status=5xx} == 0\n"
      "  - http.error_rate < 1%\n");
  ASSERT_EQ(c.thresholds.size(), 4u);
  EXPECT_EQ(c.thresholds[0].scope.scenario, "checkout");
  EXPECT_EQ(c.thresholds[1].scope.step, "POST /orders");
  EXPECT_EQ(c.thresholds[2].scope.step, "list items");
  EXPECT_TRUE(c.thresholds[3].scope.empty());
  for (const auto& t : c.thresholds) {
    EXPECT_FALSE(t.abort_on_fail);
    EXPECT_EQ(t.delay, nanoseconds(0));
  }
  EXPECT_EQ(c.thresholds[1].position.line, 20);
}

TEST(CampaignThresholds, SummaryStepNamesCoverEveryNamedStepOnce) {
  auto c = with_thresholds("  - http.rps > 0\n");
  EXPECT_EQ(summary_step_names(c), (std::vector<std::string>{"POST /orders", "GET /status",
                                                             "list items", "PUBLISH /pub"}));
}

TEST(CampaignThresholds, AMappingAbortsOnFailAfterItsDelay) {
  const auto c = with_thresholds(
      "  - {threshold: \"http.error_rate < 1%\", abort_on_fail: true, delay: 30s}\n"
      "  - threshold: 'http.latency.p99{step=\"GET /status\"} < 1s'\n"
      "    abort_on_fail: true\n"
      "  - {threshold: http.rps > 1, abort_on_fail: false}\n");
  ASSERT_EQ(c.thresholds.size(), 3u);
  EXPECT_EQ(c.thresholds[0].expression, "http.error_rate < 1%");
  EXPECT_TRUE(c.thresholds[0].abort_on_fail);
  EXPECT_EQ(c.thresholds[0].delay, nanoseconds(30s));
  EXPECT_EQ(c.thresholds[0].position.line, 19);
  EXPECT_TRUE(c.thresholds[1].abort_on_fail);
  EXPECT_EQ(c.thresholds[1].delay, nanoseconds(0));
  EXPECT_EQ(c.thresholds[1].scope.step, "GET /status");
  EXPECT_EQ(c.thresholds[1].position.line, 20);
  EXPECT_FALSE(c.thresholds[2].abort_on_fail);
}

TEST(CampaignThresholds, MappingErrors) {
  EXPECT_EQ(error_with("  - {threshold: http.rps > 1, abort_on_fial: true}\n"),
            "c.yaml:19: thresholds[0].abort_on_fial: unknown field 'abort_on_fial'; did you "
            "mean 'abort_on_fail'?");
  EXPECT_EQ(error_with("  - {abort_on_fail: true}\n"),
            "c.yaml:19: thresholds[0].threshold: missing: the expression, e.g. threshold: "
            "\"http.error_rate < 1%\"");
  EXPECT_EQ(error_with("  - {threshold: http.rps > 1, abort_on_fail: maybe}\n"),
            "c.yaml:19: thresholds[0].abort_on_fail: expected true or false, got 'maybe'");
  EXPECT_EQ(error_with("  - {threshold: http.rps > 1, abort_on_fail: true, delay: soon}\n"),
            "c.yaml:19: thresholds[0].delay: expected a duration like 500ms, 30s, 5m or 1h, got "
            "'soon'");
  EXPECT_EQ(error_with("  - {threshold: http.rps > 1, delay: 5s}\n"),
            "c.yaml:19: thresholds[0].delay: delay is when abort_on_fail starts checking; "
            "without abort_on_fail: true the threshold is checked once, at the end");
  EXPECT_EQ(error_with("  - {threshold: http.rps >> 1}\n"),
            "c.yaml:19: thresholds[0].threshold: expected a number >= 0, got '> 1'");
  EXPECT_EQ(error_with("  - {threshold: connections.held > 1, abort_on_fail: true}\n"),
            "c.yaml:19: thresholds[0].abort_on_fail: connections.held is counted when the hold "
            "ends, so it cannot be checked while the run goes on");
}

TEST(CampaignThresholds, TyposInNamesAreRefusedWithTheClosestName) {
  EXPECT_EQ(error_with("  - http.latency.p95{scenario=chekout} < 300ms\n"),
            "c.yaml:19: thresholds[0]: no scenario named 'chekout'; did you mean 'checkout'? "
            "(the campaign's scenarios: 'checkout', 'Browse')");
  EXPECT_EQ(error_with("  - http.latency.p95{scenario=browse} < 300ms\n"),
            "c.yaml:19: thresholds[0]: no scenario named 'browse'; did you mean 'Browse'? "
            "(the campaign's scenarios: 'checkout', 'Browse')");
  EXPECT_EQ(error_with("  - http.rps > 0\n  - http.error_rate{step=\"POST /ordrs\"} < 1%\n"),
            "c.yaml:20: thresholds[1]: no step named 'POST /ordrs'; did you mean 'POST "
            "/orders'? (the campaign's steps: 'POST /orders', 'GET /status', 'list items', "
            "'PUBLISH /pub')");
  // The step's name is as the summary shows it: its path without the query.
  EXPECT_EQ(error_with("  - http.error_rate{step=\"GET /status?code=500\"} < 1%\n"),
            "c.yaml:19: thresholds[0]: no step named 'GET /status?code=500' (the campaign's "
            "steps: 'POST /orders', 'GET /status', 'list items', 'PUBLISH /pub')");
  EXPECT_EQ(error_with("  - {threshold: 'http.rps{step=checkout} > 1', abort_on_fail: true}\n"),
            "c.yaml:19: thresholds[0].threshold: no step named 'checkout' (the campaign's "
            "steps: 'POST /orders', 'GET /status', 'list items', 'PUBLISH /pub')");
}

}  // namespace
}  // namespace stampede::scenario

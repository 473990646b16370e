// SPDX-License-Identifier: Apache-2.0
#include "report/report_page.hpp"

#include <gtest/gtest.h>

#include "metrics/histogram.hpp"
#include "report/report_data.hpp"
#include "report/second_data.hpp"

namespace stampede::report {
namespace {

storage::interval_record second(std::int64_t index, const char* metrics_json,
                                std::vector<std::uint64_t> latencies_us) {
  storage::interval_record iv;
  iv.index = index;
  iv.started_at_ms = 1'700'000'000'000 + index * 1000;
  iv.metrics_json = metrics_json;
  metrics::histogram h;
  for (auto v : latencies_us) {
    h.record(v);
  }
  iv.histograms.emplace_back("latency", h.encode());
  return iv;
}

TEST(ReportData, OneValuePerSecondWithThatSecondsExactPercentiles) {
  storage::run_record run;
  run.id = 7;
  run.name = "checkout";
  run.summary_json = R"({"requests": {"total": 5}})";
  run.campaign_text = "target: http://127.0.0.1\n";
  std::vector<storage::interval_record> seconds;
  seconds.push_back(second(
      0,
      R"({"requests": 4, "requests_failed": 1, "active_users": 2, "errors": {"refused": {"count": 1}}, "status_codes": {"200": 3}, "phase": "warm"})",
      {1000, 2000, 3000, 40000}));
  seconds.push_back(second(1, R"({"requests": 1, "status_codes": {"503": 1}})", {}));
  const auto d = report_data(run, seconds);
  const auto& s = d["seconds"];
  EXPECT_EQ(s["t"].size(), 2U);
  EXPECT_EQ(s["t"][1].get<double>() - s["t"][0].get<double>(), 1.0);
  EXPECT_EQ(s["requests"], nlohmann::json({4, 1}));
  EXPECT_EQ(s["ok"], nlohmann::json({3, 1}));
  EXPECT_EQ(s["failed"], nlohmann::json({1, 0}));
  EXPECT_EQ(s["users"], nlohmann::json({2, 0}));
  // Second 0's own percentiles, in ms; an empty second has none.
  EXPECT_NEAR(s["latency_ms"]["p50"][0].get<double>(), 2.0, 0.01);
  EXPECT_NEAR(s["latency_ms"]["max"][0].get<double>(), 40.0, 0.05);
  EXPECT_TRUE(s["latency_ms"]["p50"][1].is_null());
  // Keyed series have a value for every second.
  EXPECT_EQ(s["errors"]["refused"], nlohmann::json({1, 0}));
  EXPECT_EQ(s["status"]["200"], nlohmann::json({3, 0}));
  EXPECT_EQ(s["status"]["503"], nlohmann::json({0, 1}));
  EXPECT_EQ(d["summary"]["requests"]["total"], 5);
  // The heatmap counts second 0's four requests in their buckets: 1, 2 and 3 ms fall in the
  // decade from 1 to 10 ms (buckets 8-11), 40 ms in the next.
  const auto& heat = d["heatmap"]["counts"];
  ASSERT_EQ(heat.size(), 2U);
  std::uint64_t low = 0, high = 0;
  for (int b = 8; b < 12; ++b) {
    low += heat[0][b].get<std::uint64_t>();
  }
  for (int b = 12; b < 16; ++b) {
    high += heat[0][b].get<std::uint64_t>();
  }
  EXPECT_EQ(low, 3U);
  EXPECT_EQ(high, 1U);
  EXPECT_EQ(d["heatmap"]["edges_ms"].size(), 29U);
  // The run's spectrum: p0 is the minimum, the last point the maximum.
  const auto& sp = d["spectrum"]["run"];
  EXPECT_EQ(sp["count"], 4);
  EXPECT_NEAR(sp["ms"][0].get<double>(), 1.0, 0.01);
  EXPECT_NEAR(sp["ms"].back().get<double>(), 40.0, 0.05);
  EXPECT_EQ(sp["x"][0], 1.0);
  EXPECT_EQ(d["run"]["name"], "checkout");
  EXPECT_EQ(s["phase"], nlohmann::json({"warm", ""}));
}

TEST(ReportData, OtherCountersAndTheScheduleLagOnlyWhereTheRunHasThem) {
  storage::run_record run;
  std::vector<storage::interval_record> seconds;
  seconds.push_back(
      second(0, R"({"requests": 2, "ws_messages_in": 7, "iterations_dropped": 0})", {1000, 2000}));
  seconds.push_back(second(1, R"({"requests": 2, "iterations_dropped": 3})", {1000}));
  metrics::histogram lag;
  lag.record(5000);
  lag.record(9000);
  seconds[1].histograms.emplace_back("schedule_lag", lag.encode());
  const auto d = report_data(run, seconds);
  const auto& s = d["seconds"];
  EXPECT_EQ(s["counts"],
            nlohmann::json({{"ws_messages_in", {7, 0}}, {"iterations_dropped", {0, 3}}}));
  EXPECT_TRUE(s["schedule_lag_ms"]["p99"][0].is_null());
  EXPECT_NEAR(s["schedule_lag_ms"]["max"][1].get<double>(), 9.0, 0.01);
  // A run without lag has no lag series at all.
  seconds[1].histograms.pop_back();
  EXPECT_TRUE(report_data(run, seconds)["seconds"]["schedule_lag_ms"].empty());
}

TEST(ReportData, ADistributedRunHasEachAgentsRequestsWithNullWhereItNeverReported) {
  storage::run_record run;
  std::vector<storage::interval_record> seconds;
  seconds.push_back(second(
      0,
      R"({"requests": 7, "agents": {"a1": {"requests": 4, "failed": 1}, "a2": {"requests": 3, "failed": 0}}})",
      {}));
  seconds.push_back(
      second(1, R"({"requests": 5, "agents": {"a1": {"requests": 5, "failed": 0}}})", {}));
  seconds.push_back(second(
      2, R"({"requests": 6, "agents": {"a1": {"requests": 6, "failed": 0, "ended": true}}})", {}));
  seconds.push_back(second(3, R"({"requests": 0, "agents": {}})", {}));
  const auto d = report_data(run, seconds);
  const auto& agents = d["seconds"]["agents"];
  ASSERT_EQ(agents.size(), 2U);
  EXPECT_EQ(agents["a1"]["requests"], nlohmann::json({4, 5, 6, nullptr}));
  EXPECT_EQ(agents["a1"]["failed"], nlohmann::json({1, 0, 0, nullptr}));
  EXPECT_EQ(agents["a1"]["ended"], 2);  // its load was over: second 3 is no gap
  EXPECT_EQ(agents["a2"]["requests"], nlohmann::json({3, nullptr, nullptr, nullptr}));
  EXPECT_FALSE(agents["a2"].contains("ended"));  // lost: seconds 1-3 are a gap
  EXPECT_EQ(second_json(seconds[1])["agents"],
            nlohmann::json({{"a1", {{"requests", 5}, {"failed", 0}}}}));
  // A run on one machine has no agents.
  seconds = {second(0, R"({"requests": 1})", {})};
  EXPECT_FALSE(report_data(run, seconds)["seconds"].contains("agents"));
  EXPECT_FALSE(second_json(seconds[0]).contains("agents"));
}

TEST(ReportData, ARunStillGoingShowsItsTotalsSoFar) {
  storage::run_record run;
  run.status = "running";
  std::vector<storage::interval_record> seconds;
  seconds.push_back(second(0, R"({"requests": 3, "requests_failed": 1, "active_users": 4})",
                           {1000, 2000, 30000}));
  seconds.push_back(second(1, R"({"requests": 1, "active_users": 2})", {50000}));
  const auto d = report_data(run, seconds);
  const auto& so_far = d["so_far"];
  EXPECT_EQ(so_far["status"], "running");
  EXPECT_EQ(so_far["requests"]["total"], 4);
  EXPECT_EQ(so_far["requests"]["failed"], 1);
  EXPECT_EQ(so_far["requests"]["rps"], 2.0);
  EXPECT_EQ(so_far["users"]["peak"], 4);
  EXPECT_NEAR(so_far["latency_ms"]["max"].get<double>(), 50.0, 0.05);  // across both seconds
  run.summary_json = R"({"requests": {"total": 4}})";
  EXPECT_FALSE(report_data(run, seconds).contains("so_far"));
}

TEST(ReportPage, SelfContainedWithTheDataThatCannotEndItsScript) {
  nlohmann::json data = {{"campaign", "name: x</script><script>alert(1)</script> /*@report_js@*/"},
                         {"seconds", {{"t", nlohmann::json::array()}}}};
  const auto page = render_page(data);
  EXPECT_NE(page.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(page.find("uPlot"), std::string::npos);           // the library is inlined
  EXPECT_EQ(page.find("/*@"), page.find("/*@report_js@*/"));  // only the one in the data
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(page.find("\\u003c/script>"), std::string::npos);
  EXPECT_EQ(page.find("src=\"http"), std::string::npos);
  EXPECT_EQ(page.find("href=\"http"), std::string::npos);
  EXPECT_EQ(script_safe_json("a\xE2\x80\xA8"), "\"a\\u2028\"");
}

}  // namespace
}  // namespace stampede::report

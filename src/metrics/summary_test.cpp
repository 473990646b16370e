// SPDX-License-Identifier: Apache-2.0
#include "metrics/summary.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "metrics/metric_set_codec.hpp"
#include "metrics/summary_report.hpp"

namespace stampede::metrics {
namespace {

metric_layout layout() {
  metric_layout l;
  l.scenarios = {"browse", "buy"};
  l.steps = {"GET /", "POST /cart"};
  l.checks = {"browse: status == 200"};
  return l;
}

metric_set sample(std::uint64_t base) {
  metric_set m(layout());
  for (std::uint64_t i = 1; i <= 50; ++i) {
    m.latency.record(base * i);
    m.steps[i % 2].record(base * i);
  }
  m.requests = 50;
  m.requests_failed = 3;
  m.record_status(200);
  m.record_status(503);
  m.record_error(error_class::refused, "connect to 127.0.0.1:1: Connection refused");
  m.record_error(error_class::refused, "connect to 127.0.0.1:1: Connection refused");
  m.scenario_started = {10, 5};
  m.scenario_completed = {9, 5};
  m.check_passed = {7};
  m.check_failed = {1};
  m.checks_passed = 7;
  m.checks_failed = 1;
  m.active_users = 4;
  return m;
}

TEST(Summary, NothingMeasuredHasNoPercentilesInJson) {
  summary s;
  s.latency.count = 0;
  s.ttfb.count = 2;
  s.ttfb.p50 = 1.5;
  const nlohmann::json j = s;
  EXPECT_EQ(j["latency_ms"]["count"], 0);
  for (const auto* key : {"min", "mean", "p50", "p90", "p95", "p99", "p999", "max"}) {
    EXPECT_TRUE(j["latency_ms"][key].is_null()) << key;
  }
  EXPECT_EQ(j["ttfb_ms"]["p50"], 1.5);
  EXPECT_EQ(j["ttfb_ms"]["min"], 0.0);  // measured: a number, even when 0
  const auto back = j.get<summary>();
  EXPECT_EQ(back.latency.p50, 0.0);
  EXPECT_EQ(back.ttfb.p50, 1.5);
}

TEST(MetricSet, MergeOfIntervalsAddsCountersAndKeepsFirstSample) {
  auto a = sample(1000);
  auto b = sample(3000);
  b.error_samples[0] = "other";
  a.merge(b, metric_set::gauges::add);
  EXPECT_EQ(a.requests, 100u);
  EXPECT_EQ(a.latency.count(), 100u);
  EXPECT_EQ(a.status_codes[503], 2u);
  EXPECT_EQ(a.errors[0], 4u);
  EXPECT_EQ(a.error_samples[0], "connect to 127.0.0.1:1: Connection refused");
  EXPECT_EQ(a.scenario_started[1], 10u);
  EXPECT_EQ(a.active_users, 8u);
  auto c = sample(1000);
  c.merge(sample(1000), metric_set::gauges::keep_peak);
  EXPECT_EQ(c.active_users, 4u);
}

TEST(MetricSetCodec, RoundTripIsExact) {
  const auto m = sample(1234);
  const auto e = encode(m);
  auto back = decode(e, layout());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->requests, m.requests);
  EXPECT_EQ(back->status_codes, m.status_codes);
  EXPECT_EQ(back->errors, m.errors);
  EXPECT_EQ(back->error_samples, m.error_samples);
  EXPECT_EQ(back->scenario_completed, m.scenario_completed);
  EXPECT_EQ(back->check_failed, m.check_failed);
  EXPECT_EQ(back->latency.count(), m.latency.count());
  EXPECT_EQ(back->latency.value_at_percentile(99), m.latency.value_at_percentile(99));
  EXPECT_EQ(back->steps[1].count(), m.steps[1].count());
  auto broken = e;
  broken.histograms[0].second = "garbage";
  EXPECT_FALSE(decode(broken, layout()));
  broken = e;
  broken.counters["errors"]["no_such_class"] = {{"count", 1}};
  EXPECT_FALSE(decode(broken, layout()));
}

TEST(Summary, BuildsTheContractKeysAndSurvivesJson) {
  auto s = summary::build(sample(1000), layout(), 5.0);
  EXPECT_EQ(s.requests_total, 50u);
  EXPECT_EQ(s.requests_ok, 47u);
  EXPECT_DOUBLE_EQ(s.rps, 10.0);
  EXPECT_DOUBLE_EQ(s.latency.max, 50.0);
  EXPECT_DOUBLE_EQ(s.latency.min, 1.0);
  EXPECT_EQ(s.status_codes.at(503), 1u);
  EXPECT_EQ(s.errors.at("refused").count, 2u);
  EXPECT_EQ(*s.metric("http.error_rate"), 3.0 / 50.0);
  EXPECT_EQ(s.metric("checks.rate"), 7.0 / 8.0);
  EXPECT_FALSE(s.metric("no.such.metric"));
  s.thresholds.push_back({"http.latency.p95 < 1ms", false, 47.5});
  s.load_s = 4.0;
  s.graceful_stop_s = 1.0;

  const nlohmann::json j = s;
  for (const auto* key : {"requests", "status_codes", "errors", "latency_ms", "duration_s",
                          "load_s", "graceful_stop_s", "thresholds"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  for (const auto* key : {"min", "mean", "p50", "p90", "p95", "p99", "p999", "max"}) {
    EXPECT_TRUE(j["latency_ms"].contains(key)) << key;
  }
  EXPECT_EQ(j["requests"]["failed"], 3);
  EXPECT_EQ(j["status_codes"]["200"], 1);
  EXPECT_EQ(j["thresholds"][0]["ok"], false);

  const auto back = j.get<summary>();
  EXPECT_EQ(nlohmann::json(back), j);
  const auto text = format_summary(back, false);
  EXPECT_NE(text.find("50 total, 47 ok, 3 failed, 10.0/s"), std::string::npos) << text;
  EXPECT_NE(text.find("completed after 5.0s (4.0s of load, 1.0s of graceful stop)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("✗ http.latency.p95 < 1ms"), std::string::npos) << text;
  EXPECT_NE(text.find("e.g. connect to 127.0.0.1:1: Connection refused"), std::string::npos);
  EXPECT_EQ(j["error_reasons"]["refused"]["connect to 127.0.0.1:1: Connection refused"], 2);
}

TEST(Summary, SeveralReasonsOfOneClassAreListedMostFrequentFirst) {
  auto m = sample(1000);
  for (int i = 0; i < 3; ++i) {
    m.record_error(error_class::protocol, "malformed chunk size");
  }
  m.record_error(error_class::protocol, "malformed status line");
  const auto s = summary::build(m, layout(), 5.0);
  const auto& protocol = s.errors.at("protocol");
  ASSERT_EQ(protocol.reasons.size(), 2u);
  EXPECT_EQ(protocol.reasons[0],
            (std::pair<std::string, std::uint64_t>{"malformed chunk size", 3}));
  const auto back = nlohmann::json(s).get<summary>();
  EXPECT_EQ(back.errors.at("protocol").reasons, protocol.reasons);
  const auto text = format_summary(back, false);
  EXPECT_NE(text.find("    protocol                  4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("3  malformed chunk size\n"), std::string::npos) << text;
  EXPECT_NE(text.find("1  malformed status line\n"), std::string::npos) << text;
}

TEST(Summary, StepsAndScenariosCarryRequestsFailuresStatusClassesAndLatency) {
  auto m = sample(1000);
  for (int i = 0; i < 3; ++i) {
    m.record_step(0, false, 200);
  }
  m.record_step(1, true, 503);
  m.record_step(1, true, 0);  // no response
  m.scenario_latency[0].record(2'000);
  m.scenario_latency[0].record(4'000);
  m.scenario_requests = {3, 2};
  m.scenario_failed = {0, 2};
  // As it travels from agents and is stored.
  const auto decoded = decode(encode(m), layout());
  ASSERT_TRUE(decoded);
  const auto s = summary::build(*decoded, layout(), 5.0);
  ASSERT_EQ(s.steps.size(), 2u);
  EXPECT_EQ(s.steps[0].requests, 3u);
  EXPECT_EQ(s.steps[0].failed, 0u);
  EXPECT_EQ(s.steps[0].status_classes, (std::array<std::uint64_t, 6>{0, 3, 0, 0, 0, 0}));
  EXPECT_EQ(s.steps[1].requests, 2u);
  EXPECT_EQ(s.steps[1].failed, 2u);
  EXPECT_EQ(s.steps[1].status_classes, (std::array<std::uint64_t, 6>{0, 0, 0, 0, 1, 1}));
  ASSERT_EQ(s.scenarios.size(), 2u);
  EXPECT_EQ(s.scenarios[0].latency.count, 2u);
  EXPECT_DOUBLE_EQ(s.scenarios[0].latency.max, 4.0);
  EXPECT_EQ(s.scenarios[1].latency.count, 0u);

  const nlohmann::json j = s;
  EXPECT_EQ(j["steps"][0]["name"], "GET /");
  EXPECT_EQ(j["steps"][0]["requests"], 3);
  EXPECT_EQ(j["steps"][0]["latency_ms"]["count"], 25);
  EXPECT_EQ(j["steps"][1]["requests"], 2);
  EXPECT_EQ(j["steps"][1]["failed"], 2);
  EXPECT_EQ(
      j["steps"][1]["status_classes"],
      (nlohmann::json{{"1xx", 0}, {"2xx", 0}, {"3xx", 0}, {"4xx", 0}, {"5xx", 1}, {"other", 1}}));
  EXPECT_EQ(j["scenarios"][0]["started"], 10);
  EXPECT_EQ(j["scenarios"][0]["requests"], 3);
  EXPECT_EQ(j["scenarios"][0]["failed"], 0);
  EXPECT_EQ(j["scenarios"][1]["requests"], 2);
  EXPECT_EQ(j["scenarios"][1]["failed"], 2);
  EXPECT_EQ(j["scenarios"][0]["latency_ms"]["count"], 2);
  EXPECT_EQ(j["scenarios"][0]["latency_ms"]["p50"], 2.0);
  EXPECT_EQ(j["scenarios"][0]["latency_ms"]["max"], 4.0);
  EXPECT_EQ(j["scenarios"][1]["latency_ms"]["count"], 0);
  for (const auto& [key, value] : j["latency_ms"].items()) {
    EXPECT_TRUE(j["scenarios"][1]["latency_ms"].contains(key)) << key;
  }

  const auto back = j.get<summary>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.steps[1].status_classes, s.steps[1].status_classes);
  const auto text = format_summary(back, false);
  EXPECT_NE(text.find("        3 requests       0 failed  p50 "), std::string::npos) << text;
  EXPECT_NE(text.find("        2 requests       2 failed  p50 "), std::string::npos) << text;
  EXPECT_NE(text.find("10 started, 9 completed  p50 2.00ms  p95 4.00ms  p99 4.00ms\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("5 started, 5 completed\n"), std::string::npos) << text;

  // A step whose requests all failed has no latency to show.
  auto none_answered = back;
  none_answered.steps[1].latency = {};
  EXPECT_NE(format_summary(none_answered, false).find("        2 requests       2 failed  -\n"),
            std::string::npos);
}

TEST(Summary, AManyStepRunListsTheFailingAndBusiestStepsInOrder) {
  summary s;
  for (int i = 0; i < 100; ++i) {
    step_summary st;
    st.name = fmt::format("step {:03}", i);
    st.requests = static_cast<std::uint64_t>(i);  // the last 30 are the busiest
    st.failed = i == 3 ? 1 : 0;                   // and step 003 fails
    s.steps.push_back(st);
  }
  const auto text = format_summary(s, false);
  EXPECT_NE(text.find("step 003"), std::string::npos);
  EXPECT_EQ(text.find("step 069"), std::string::npos);
  EXPECT_NE(text.find("step 071"), std::string::npos);
  EXPECT_LT(text.find("step 003"), text.find("step 071"));
  EXPECT_LT(text.find("step 071"), text.find("step 099"));
  EXPECT_NE(text.find("    ... and 70 more steps (--summary-json and --report list them all)\n"),
            std::string::npos)
      << text;
}

TEST(Summary, ASummaryStoredBeforeStepCountsReadsAsZero) {
  nlohmann::json j = summary::build(sample(1000), layout(), 5.0);
  for (auto& st : j["steps"]) {
    st.erase("requests");
    st.erase("failed");
    st.erase("status_classes");
  }
  for (auto& sc : j["scenarios"]) {
    sc.erase("latency_ms");
    sc.erase("requests");
    sc.erase("failed");
  }
  const auto back = j.get<summary>();
  ASSERT_EQ(back.steps.size(), 2u);
  EXPECT_EQ(back.steps[0].requests, 0u);
  EXPECT_EQ(back.steps[0].status_classes, (std::array<std::uint64_t, 6>{}));
  EXPECT_EQ(back.steps[0].latency.count, 25u);
  EXPECT_EQ(back.scenarios[0].started, 10u);
  EXPECT_EQ(back.scenarios[0].latency.count, 0u);
  EXPECT_EQ(back.scenarios[0].requests, 0u);
}

TEST(Summary, ProtocolSectionsKeepTheirContractKeys) {
  auto m = sample(1000);
  m.http2_streams = 40;
  m.connections_opened = 4;
  m.streams_reset = 2;
  m.goaways = 1;
  m.ws_opened = 3;
  m.ws_messages_in = 30;
  m.ws_messages_out = 31;
  m.ws_bytes_in = 300;
  m.ws_bytes_out = 310;
  m.ws_rtt.record(250);
  m.ws_handshake.record(80);
  m.sse_streams = 2;
  m.sse_events = 20;
  m.sse_gap.record(100'000);
  m.longpoll_polls = 12;
  m.longpoll_messages = 10;
  m.longpoll_empty = 2;
  m.longpoll_gap.record(5);
  m.push_published = 7;
  m.push_received = 60;
  m.push_lost = 3;
  m.push_duplicated = 2;
  m.push_out_of_order = 1;
  m.push_latency.record(1500);
  for (std::uint64_t l = 1; l <= 10; ++l) {
    m.push_pending.record(42, 1, 1'000, l * 100);  // ten subscribers got message 1
  }
  // The counters travel between agents and controller too.
  const auto decoded = decode(encode(m), layout());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->ws_messages_out, 31u);
  EXPECT_EQ(decoded->longpoll_empty, 2u);
  EXPECT_EQ(decoded->ws_rtt.count(), 1u);
  EXPECT_EQ(decoded->sse_gap.count(), 1u);
  EXPECT_EQ(decoded->push_out_of_order, 1u);
  EXPECT_EQ(decoded->push_pending.size(), 1u);

  const auto s = summary::build(*decoded, layout(), 5.0);
  const nlohmann::json j = s;
  EXPECT_EQ(j["http2"]["streams"], 40);
  EXPECT_EQ(j["http2"]["streams_per_connection"], 10.0);
  EXPECT_EQ(j["http2"]["streams_reset"], 2);
  EXPECT_EQ(j["http2"]["goaways"], 1);
  EXPECT_EQ(j["websocket"]["opened"], 3);
  EXPECT_EQ(j["websocket"]["messages_in"], 30);
  EXPECT_EQ(j["websocket"]["messages_out"], 31);
  EXPECT_EQ(j["websocket"]["bytes_in"], 300);
  EXPECT_EQ(j["websocket"]["bytes_out"], 310);
  EXPECT_EQ(j["websocket"]["rtt_ms"]["max"], 0.25);
  EXPECT_EQ(j["sse"]["events"], 20);
  EXPECT_EQ(j["longpoll"]["messages"], 10);
  EXPECT_EQ(j["longpoll"]["reconnect_gap_ms"]["count"], 1);
  EXPECT_EQ(s.metric("ws.rtt.p50"), 0.25);
  EXPECT_EQ(s.metric("ws.handshake.max"), 0.08);
  EXPECT_EQ(j["push"]["published"], 7);
  EXPECT_EQ(j["push"]["received"], 60);
  EXPECT_EQ(j["push"]["lost"], 3);
  EXPECT_EQ(j["push"]["duplicated"], 2);
  EXPECT_EQ(j["push"]["out_of_order"], 1);
  EXPECT_EQ(j["push"]["latency_ms"]["max"], 1.5);
  // The message still pending at the end is settled by the summary: half its subscribers had
  // it at the fifth delivery (500 us), all at the tenth (1 ms, as its bucket shows it).
  EXPECT_EQ(j["push"]["reach_ms"]["50%"]["count"], 1);
  EXPECT_NEAR(j["push"]["reach_ms"]["50%"]["max"].get<double>(), 0.5, 0.02);
  EXPECT_NEAR(j["push"]["reach_ms"]["100%"]["max"].get<double>(), 1.0, 0.04);
  EXPECT_EQ(s.metric("push.lost"), 3.0);
  EXPECT_EQ(s.metric("push.latency.max"), 1.5);
  const auto back = j.get<summary>();
  EXPECT_EQ(nlohmann::json(back), j);
  const auto text = format_summary(back, false);
  EXPECT_NE(text.find("3 opened, 30 messages in (300 B), 31 out (310 B)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("40 streams, 10.0 per connection, 2 reset by the server, 1 GOAWAY"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("12 polls, 10 with a message, 2 without"), std::string::npos) << text;
  EXPECT_NE(text.find("7 published, 60 received, 3 lost, 2 duplicated, 1 out of order"),
            std::string::npos)
      << text;
}

TEST(SummaryReport, ChecksNeverEvaluatedShowNoPassMark) {
  summary s;
  s.checks.push_back({"browse: GET /: status == 200", 0, 0});
  const auto none = format_summary(s, false);
  EXPECT_NE(none.find("  checks       none evaluated (no response to check)\n"), std::string::npos)
      << none;
  EXPECT_NE(none.find("    - browse: GET /: status == 200"), std::string::npos) << none;
  EXPECT_EQ(none.find("\u2713"), std::string::npos) << none;

  s.checks_passed = 3;
  s.checks_failed = 1;
  s.checks = {{"a: GET /: status == 200", 3, 0}, {"a: GET /x: status == 200", 0, 1}};
  const auto some = format_summary(s, false);
  EXPECT_NE(some.find("  checks       75.00% passed (3 of 4)\n"), std::string::npos) << some;
  EXPECT_NE(some.find("    \u2713 a: GET /: status == 200"), std::string::npos) << some;
  EXPECT_NE(some.find("    \u2717 a: GET /x: status == 200"), std::string::npos) << some;
}

TEST(SummaryReport, DataCountsWebSocketPayloads) {
  summary s;
  s.bytes_in = 1000;
  s.bytes_out = 24;
  const auto http = format_summary(s, false);
  EXPECT_NE(http.find("  data         1000 B in, 24 B out\n"), std::string::npos) << http;
  s.ws_opened = 1;
  s.ws_bytes_in = 2000;
  s.ws_bytes_out = 1000;
  const auto ws = format_summary(s, false);
  EXPECT_NE(ws.find("  data         2.9 KiB in, 1.0 KiB out (WebSocket payloads included)\n"),
            std::string::npos)
      << ws;
}

TEST(SummaryReport, FormatsNumbers) {
  EXPECT_EQ(group_digits(0), "0");
  EXPECT_EQ(group_digits(1234567), "1,234,567");
  EXPECT_EQ(group_digits(999), "999");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_ms(0.25), "250us");
  EXPECT_EQ(format_ms(12.345), "12.35ms");
  EXPECT_EQ(format_ms(1500), "1.50s");
}

}  // namespace
}  // namespace stampede::metrics

// SPDX-License-Identifier: Apache-2.0
#include "metrics/metric_set.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "metrics/metric_set_codec.hpp"

namespace stampede::metrics {
namespace {

static_assert(status_class_of(100) == 0);
static_assert(status_class_of(200) == 1);
static_assert(status_class_of(399) == 2);
static_assert(status_class_of(404) == 3);
static_assert(status_class_of(599) == 4);
static_assert(status_class_of(0) == 5);
static_assert(status_class_of(99) == 5);
static_assert(status_class_of(600) == 5);
static_assert(status_class_of(-1) == 5);
static_assert(status_class_names[status_class_of(503)] == "5xx");

metric_layout layout() {
  metric_layout l;
  l.scenarios = {"browse", "buy"};
  l.steps = {"GET /", "POST /cart", "GET /items"};
  l.checks = {"browse: status == 200", "buy: status == 201"};
  return l;
}

/// Every field of the lists holding values of its own: each counter and vector entry a
/// distinct number, each histogram a distinct count of distinct values, so that a field the
/// codec lost, or put into another, shows.
metric_set every_field_set() {
  metric_set m(layout());
  std::uint64_t next = 1;
  auto fill = [&](histogram& h) {
    for (std::uint64_t i = 0; i < next; ++i) {
      h.record(100 * next + i);
    }
    ++next;
  };
#define STAMPEDE_TEST_SET_COUNTER(name, rule, doc) m.name = 1000 + next++;
#define STAMPEDE_TEST_SET_VECTOR(name, list, stride, doc) \
  for (auto& v : m.name) {                                \
    v = 1000 + next++;                                    \
  }
#define STAMPEDE_TEST_SET_HISTOGRAM(name, doc) fill(m.name);
#define STAMPEDE_TEST_SET_HISTOGRAM_VECTOR(name, key, list, doc) \
  for (auto& h : m.name) {                                       \
    fill(h);                                                     \
  }
  STAMPEDE_METRIC_COUNTERS(STAMPEDE_TEST_SET_COUNTER)
  STAMPEDE_METRIC_VECTORS(STAMPEDE_TEST_SET_VECTOR)
  STAMPEDE_METRIC_HISTOGRAMS(STAMPEDE_TEST_SET_HISTOGRAM)
  STAMPEDE_METRIC_HISTOGRAM_VECTORS(STAMPEDE_TEST_SET_HISTOGRAM_VECTOR)
#undef STAMPEDE_TEST_SET_COUNTER
#undef STAMPEDE_TEST_SET_VECTOR
#undef STAMPEDE_TEST_SET_HISTOGRAM
#undef STAMPEDE_TEST_SET_HISTOGRAM_VECTOR
  for (auto& h : m.push_reach) {
    fill(h);
  }
  m.record_status(200);
  m.record_status(503);
  m.record_error(error_class::refused, "connect to 127.0.0.1:1: Connection refused");
  m.push_pending.record(42, 1, 1'000, 1'500);
  return m;
}

void expect_same_fields(const metric_set& a, const metric_set& b) {
#define STAMPEDE_TEST_EXPECT_FIELD(name, ...) EXPECT_EQ(a.name, b.name) << #name;
  STAMPEDE_METRIC_COUNTERS(STAMPEDE_TEST_EXPECT_FIELD)
  STAMPEDE_METRIC_VECTORS(STAMPEDE_TEST_EXPECT_FIELD)
  STAMPEDE_METRIC_HISTOGRAMS(STAMPEDE_TEST_EXPECT_FIELD)
  STAMPEDE_METRIC_HISTOGRAM_VECTORS(STAMPEDE_TEST_EXPECT_FIELD)
#undef STAMPEDE_TEST_EXPECT_FIELD
  EXPECT_EQ(a.push_reach, b.push_reach);
  EXPECT_EQ(a.status_codes, b.status_codes);
  EXPECT_EQ(a.errors, b.errors);
  EXPECT_EQ(a.error_samples, b.error_samples);
  EXPECT_EQ(a.push_pending.size(), b.push_pending.size());
}

TEST(MetricSet, TheLayoutSizesEveryVector) {
  const metric_set m(layout());
  EXPECT_EQ(m.scenario_started.size(), 2u);
  EXPECT_EQ(m.scenario_completed.size(), 2u);
  EXPECT_EQ(m.check_passed.size(), 2u);
  EXPECT_EQ(m.check_failed.size(), 2u);
  EXPECT_EQ(m.step_requests.size(), 3u);
  EXPECT_EQ(m.step_failed.size(), 3u);
  EXPECT_EQ(m.step_status_classes.size(), 3u * status_class_count);
  EXPECT_EQ(m.steps.size(), 3u);
  EXPECT_EQ(m.scenario_latency.size(), 2u);
}

TEST(MetricSet, EachCounterMergesByItsRule) {
  for (const auto how : {metric_set::gauges::add, metric_set::gauges::keep_peak}) {
    metric_set a(layout());
    metric_set b(layout());
    for (const auto& c : counter_fields) {
      a.*c.member = 3;
      b.*c.member = 5;
    }
    a.merge(b, how);
    for (const auto& c : counter_fields) {
      std::uint64_t expected = 0;
      switch (c.rule) {
        case metric_set::rule::sum:
          expected = 8;
          break;
        case metric_set::rule::gauge:
          expected = how == metric_set::gauges::add ? 8 : 5;
          break;
        case metric_set::rule::peak:
          expected = 5;
          break;
        case metric_set::rule::run_total:
          expected = 3;
          break;
      }
      EXPECT_EQ(a.*c.member, expected) << c.name;
    }
  }
}

TEST(MetricSet, RulesOfTheCountersThatDoNotAdd) {
  metric_set a(layout());
  metric_set b(layout());
  a.requests = 10;
  b.requests = 20;
  a.active_users = 7;
  b.active_users = 4;
  a.active_connections = 2;
  b.active_connections = 9;
  a.held_connect_seconds = 3;
  b.held_connect_seconds = 1;
  a.held_peak_connects = 100;
  b.held_peak_connects = 250;
  a.held_first_second_connects = 40;
  b.held_first_second_connects = 60;
  a.held_last_second_connects = 30;
  b.held_last_second_connects = 70;

  auto added = a;
  added.merge(b, metric_set::gauges::add);
  EXPECT_EQ(added.requests, 30u);
  EXPECT_EQ(added.active_users, 11u);  // the same second of two workers: users add up
  EXPECT_EQ(added.active_connections, 11u);
  EXPECT_EQ(added.held_connect_seconds, 4u);
  EXPECT_EQ(added.held_peak_connects, 250u);
  EXPECT_EQ(added.held_first_second_connects, 40u);  // the run's totals keep their own
  EXPECT_EQ(added.held_last_second_connects, 30u);

  auto peak = a;
  peak.merge(b, metric_set::gauges::keep_peak);
  EXPECT_EQ(peak.requests, 30u);
  EXPECT_EQ(peak.active_users, 7u);  // a run keeps its busiest second
  EXPECT_EQ(peak.active_connections, 9u);
  EXPECT_EQ(peak.held_connect_seconds, 4u);
  EXPECT_EQ(peak.held_peak_connects, 250u);
  EXPECT_EQ(peak.held_first_second_connects, 40u);
  EXPECT_EQ(peak.held_last_second_connects, 30u);
}

TEST(MetricSet, VectorsAndHistogramsAddEntryByEntry) {
  metric_set a(layout());
  metric_set b(layout());
  a.record_step(1, false, 200);
  b.record_step(1, true, 503);
  b.record_step(2, false, 204);
  a.scenario_latency[0].record(1'000);
  b.scenario_latency[0].record(2'000);
  b.scenario_latency[1].record(3'000);
  b.steps[2].record(500);
  b.check_failed[1] = 4;
  a.merge(b, metric_set::gauges::add);
  EXPECT_EQ(a.step_requests, (std::vector<std::uint64_t>{0, 2, 1}));
  EXPECT_EQ(a.step_failed, (std::vector<std::uint64_t>{0, 1, 0}));
  EXPECT_EQ(a.step_status_classes[1 * status_class_count + 1], 1u);
  EXPECT_EQ(a.step_status_classes[1 * status_class_count + 4], 1u);
  EXPECT_EQ(a.step_status_classes[2 * status_class_count + 1], 1u);
  EXPECT_EQ(a.scenario_latency[0].count(), 2u);
  EXPECT_EQ(a.scenario_latency[0].min(), 1'000u);
  EXPECT_EQ(a.scenario_latency[0].max(), 2'000u);
  EXPECT_EQ(a.scenario_latency[1].count(), 1u);
  EXPECT_EQ(a.steps[2].count(), 1u);
  EXPECT_EQ(a.check_failed, (std::vector<std::uint64_t>{0, 4}));
}

TEST(MetricSet, RecordStepCountsRequestsFailuresAndStatusClasses) {
  metric_set m(layout());
  m.record_step(0, false, 200);
  m.record_step(0, false, 201);
  m.record_step(0, true, 404);
  m.record_step(1, true, 503);
  m.record_step(1, true, 0);  // no response
  m.record_step(2, false, 700);
  m.record_step(2, false, 101);
  m.record_step(2, false, 302);
  EXPECT_EQ(m.step_requests, (std::vector<std::uint64_t>{3, 2, 3}));
  EXPECT_EQ(m.step_failed, (std::vector<std::uint64_t>{1, 2, 0}));
  auto classes_of = [&](std::size_t step) {
    return std::vector<std::uint64_t>(
        m.step_status_classes.begin() + static_cast<std::ptrdiff_t>(step * status_class_count),
        m.step_status_classes.begin() +
            static_cast<std::ptrdiff_t>((step + 1) * status_class_count));
  };
  //                                           1xx 2xx 3xx 4xx 5xx other
  EXPECT_EQ(classes_of(0), (std::vector<std::uint64_t>{0, 2, 0, 1, 0, 0}));
  EXPECT_EQ(classes_of(1), (std::vector<std::uint64_t>{0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(classes_of(2), (std::vector<std::uint64_t>{1, 0, 1, 0, 0, 1}));
  // Requests as a whole are not counted by record_step.
  EXPECT_EQ(m.requests, 0u);
}

TEST(MetricSetCodec, EveryFieldRoundTrips) {
  const auto m = every_field_set();
  const auto back = decode(encode(m), layout());
  ASSERT_TRUE(back);
  expect_same_fields(*back, m);
  // The fields really hold values of their own: the comparison above could fail.
  EXPECT_NE(m.requests, m.requests_failed);
  EXPECT_NE(m.latency, m.connect);
  EXPECT_NE(m.steps[0], m.steps[1]);
  EXPECT_NE(m.scenario_latency[0], m.scenario_latency[1]);
  EXPECT_NE(m.step_status_classes[0], m.step_status_classes[1]);
}

TEST(MetricSetCodec, ExistingFieldsKeepTheirEncodedNames) {
  // Stored intervals and agents' reports carry these names: renaming one loses its data.
  const auto e = encode(every_field_set());
  for (const auto* name : {"requests",
                           "requests_failed",
                           "bytes_in",
                           "bytes_out",
                           "connections_opened",
                           "iterations_started",
                           "iterations_completed",
                           "iterations_dropped",
                           "checks_passed",
                           "checks_failed",
                           "late_starts",
                           "http2_streams",
                           "streams_reset",
                           "goaways",
                           "ws_opened",
                           "ws_messages_in",
                           "ws_messages_out",
                           "ws_bytes_in",
                           "ws_bytes_out",
                           "sse_streams",
                           "sse_events",
                           "longpoll_polls",
                           "longpoll_messages",
                           "longpoll_empty",
                           "push_published",
                           "push_received",
                           "push_duplicated",
                           "push_out_of_order",
                           "push_lost",
                           "held_established",
                           "held_failed",
                           "held_dropped",
                           "held_at_end",
                           "held_connect_seconds",
                           "held_peak_connects",
                           "held_first_second_connects",
                           "held_last_second_connects",
                           "active_users",
                           "active_connections",
                           "scenario_started",
                           "scenario_completed",
                           "scenario_requests",
                           "scenario_failed",
                           "check_passed",
                           "check_failed",
                           "step_requests",
                           "step_failed",
                           "step_status_classes",
                           "status_codes",
                           "errors",
                           "error_reasons"}) {
    EXPECT_TRUE(e.counters.contains(name)) << name;
  }
  std::vector<std::string> names;
  for (const auto& [name, bytes] : e.histograms) {
    names.push_back(name);
  }
  for (const auto* name :
       {"latency", "connect", "tls", "ttfb", "schedule_lag", "ws_handshake", "ws_rtt", "sse_gap",
        "longpoll_gap", "push_latency", "step.0", "step.2", "scenario_latency.0",
        "scenario_latency.1", "push_reach.50", "push_reach.100", "push_pending"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

TEST(MetricSetCodec, ASetStoredBeforeTheStepCountersDecodes) {
  auto e = encode(every_field_set());
  e.counters.erase("step_requests");
  e.counters.erase("step_failed");
  e.counters.erase("step_status_classes");
  std::erase_if(e.histograms,
                [](const auto& h) { return h.first.rfind("scenario_latency.", 0) == 0; });
  const auto back = decode(e, layout());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->step_requests, (std::vector<std::uint64_t>(3, 0)));
  EXPECT_EQ(back->step_status_classes.size(), 3u * status_class_count);
  EXPECT_EQ(back->scenario_latency.size(), 2u);
  EXPECT_EQ(back->scenario_latency[0].count(), 0u);
  EXPECT_EQ(back->requests, every_field_set().requests);
}

/// decode, which must refuse `e` without throwing.
void expect_refused(const encoded_metric_set& e, const std::string& what) {
  std::optional<metric_set> back;
  EXPECT_NO_THROW(back = decode(e, layout())) << what;
  EXPECT_FALSE(back) << what;
}

TEST(MetricSetCodec, BadPositionsAreRefused) {
  const auto good = encode(every_field_set());
  ASSERT_TRUE(decode(good, layout()));
  for (const auto* code : {"", "abc", "-1", "+5", "12x", " 12", "0x1f", "600", "4294967296000",
                           "99999999999999999999999999"}) {
    auto e = good;
    e.counters["status_codes"][code] = 1;
    expect_refused(e, std::string("status code '") + code + "'");
  }
  histogram h;
  h.record(42);
  const auto bytes = h.encode();
  for (const auto* name : {"step.", "step.x", "step.-1", "step.+1", "step.1a", "step.3",
                           "step.99999999999999999999999", "scenario_latency.2",
                           "scenario_latency.", "push_reach.7", "stepx", "no_such_histogram"}) {
    auto e = good;
    e.histograms.emplace_back(name, bytes);
    expect_refused(e, std::string("histogram '") + name + "'");
  }
  {
    auto e = good;
    e.counters["step_status_classes"] =
        std::vector<std::uint64_t>(3 * status_class_count + 1, 1);  // past the layout's
    expect_refused(e, "too many status classes");
  }
  {
    auto e = good;
    e.counters["step_requests"] = "three";
    expect_refused(e, "a vector of the wrong type");
  }
}

}  // namespace
}  // namespace stampede::metrics

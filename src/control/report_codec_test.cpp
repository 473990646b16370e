// SPDX-License-Identifier: Apache-2.0
#include "control/report_codec.hpp"

#include <gtest/gtest.h>

namespace stampede::control {
namespace {

metrics::metric_layout layout() {
  metrics::metric_layout l;
  l.scenarios = {"browse", "buy"};
  l.steps = {"GET /", "POST /cart"};
  return l;
}

TEST(ReportCodec, RoundTripKeepsEveryCountAndHistogram) {
  const auto l = layout();
  engine::interval_report r;
  r.worker = 7;
  r.index = 42;
  r.final = true;
  r.phase = 1;
  r.metrics = metrics::metric_set(l);
  for (std::uint64_t v = 1; v < 5000; v += 7) {
    r.metrics.latency.record(v * 13);
    r.metrics.steps[1].record(v);
  }
  r.metrics.requests = 714;
  r.metrics.record_status(200);
  r.metrics.record_status(503);
  r.metrics.active_users = 9;
  r.fatal = "worker 7: epoll_create1: Too many open files";
  r.drain_s = 1.25;

  const auto wire = to_wire(5, r);
  EXPECT_EQ(wire.run_id(), 5);
  // Through bytes, as the stream carries it.
  v1::IntervalReport parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire.SerializeAsString()));
  const auto back = from_wire(parsed, l);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->worker, 7u);
  EXPECT_EQ(back->index, 42);
  EXPECT_TRUE(back->final);
  EXPECT_EQ(back->phase, 1u);
  EXPECT_EQ(back->metrics.requests, 714u);
  EXPECT_EQ(back->metrics.latency, r.metrics.latency);
  EXPECT_EQ(back->metrics.steps[1], r.metrics.steps[1]);
  EXPECT_EQ(back->metrics.status_codes, r.metrics.status_codes);
  EXPECT_EQ(back->metrics.active_users, 9u);
  EXPECT_EQ(back->fatal, r.fatal);
  EXPECT_EQ(back->drain_s, 1.25);
}

TEST(ReportCodec, DamagedReportsAreRefused) {
  const auto l = layout();
  engine::interval_report r;
  r.metrics = metrics::metric_set(l);
  r.metrics.latency.record(1000);
  auto wire = to_wire(1, r);
  auto bad_json = wire;
  bad_json.set_counters_json("{not json");
  EXPECT_FALSE(from_wire(bad_json, l).has_value());
  auto bad_histogram = wire;
  bad_histogram.mutable_histograms(0)->set_encoded("garbage");
  EXPECT_FALSE(from_wire(bad_histogram, l).has_value());
}

}  // namespace
}  // namespace stampede::control

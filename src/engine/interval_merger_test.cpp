// SPDX-License-Identifier: Apache-2.0
#include "engine/interval_merger.hpp"

#include "metrics/summary.hpp"

#include <random>

#include <gtest/gtest.h>

namespace stampede::engine {
namespace {

metrics::metric_layout layout() {
  metrics::metric_layout l;
  l.scenarios = {"s"};
  l.steps = {"GET /"};
  return l;
}

/// What worker `w` recorded in interval `i`: deterministic samples, also fed to `everything`.
metrics::metric_set samples(const metrics::metric_layout& l, std::uint32_t w, std::int64_t i,
                            metrics::metric_set& everything) {
  metrics::metric_set m(l);
  std::mt19937_64 rng(w * 1000 + static_cast<std::uint64_t>(i));
  std::uniform_int_distribution<std::uint64_t> latency(100, 2'000'000);
  const auto n = 50 + rng() % 200;
  for (std::uint64_t k = 0; k < n; ++k) {
    const auto v = latency(rng);
    m.latency.record(v);
    m.steps[0].record(v);
    everything.latency.record(v);
    everything.steps[0].record(v);
    m.record_status(200);
    everything.record_status(200);
  }
  m.requests = n;
  everything.requests += n;
  m.active_users = 10 + w;
  return m;
}

interval_report report(std::uint32_t w, std::int64_t i, bool final, metrics::metric_set m) {
  interval_report r;
  r.worker = w;
  r.index = i;
  r.final = final;
  r.metrics = std::move(m);
  return r;
}

TEST(IntervalMerger, MergedRunEqualsOneProcessRecordingEverySample) {
  const auto l = layout();
  metrics::metric_set everything(l);
  interval_merger merger(l, 3);
  // Worker 0 reports 0..4, worker 1 0..2 then stops early, worker 2 0..4; interleaved.
  std::vector<interval_report> reports;
  for (std::int64_t i = 0; i < 5; ++i) {
    for (std::uint32_t w = 0; w < 3; ++w) {
      const std::int64_t last = w == 1 ? 2 : 4;
      if (i <= last) {
        reports.push_back(report(w, i, i == last, samples(l, w, i, everything)));
      }
    }
  }
  std::shuffle(reports.begin() + 3, reports.end(), std::mt19937(7));  // arrival order varies
  // ...but each worker's own reports stay in order, as a stream delivers them.
  std::stable_sort(reports.begin(), reports.end(),
                   [](const interval_report& a, const interval_report& b) {
                     return a.worker == b.worker && a.index < b.index;
                   });
  std::vector<std::int64_t> completed;
  for (auto& r : reports) {
    for (const auto& c : merger.add(std::move(r))) {
      completed.push_back(c.index);
      EXPECT_EQ(c.merged.active_users, c.index <= 2 ? 33u : 22u);  // gauges add up per second
    }
  }
  EXPECT_EQ(completed, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(merger.all_finished());
  EXPECT_EQ(merger.totals().requests, everything.requests);
  EXPECT_EQ(merger.totals().latency, everything.latency);
  EXPECT_EQ(merger.totals().steps[0], everything.steps[0]);
  EXPECT_EQ(merger.totals().status_codes, everything.status_codes);
  EXPECT_EQ(merger.totals().active_users, 33u);  // the peak second
}

TEST(IntervalMerger, WaitsForEveryWorkerAndIgnoresDuplicates) {
  const auto l = layout();
  metrics::metric_set everything(l);
  interval_merger merger(l, 2);
  EXPECT_TRUE(merger.add(report(0, 0, false, samples(l, 0, 0, everything))).empty());
  EXPECT_TRUE(merger.add(report(0, 1, false, samples(l, 0, 1, everything))).empty());
  auto done = merger.add(report(1, 0, false, samples(l, 1, 0, everything)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].index, 0);
  metrics::metric_set ignored(l);
  EXPECT_TRUE(merger.add(report(1, 0, false, samples(l, 1, 0, ignored))).empty());
  EXPECT_EQ(merger.duplicates(), 1u);
  done = merger.add(report(1, 1, true, samples(l, 1, 1, everything)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(merger.all_finished());
  EXPECT_EQ(merger.totals().requests, everything.requests);
}

TEST(IntervalMerger, CountsEachSourcesRequestsInTheIntervalsItReported) {
  const auto l = layout();
  metrics::metric_set everything(l);
  interval_merger merger(l, 3);
  auto failing = samples(l, 2, 0, everything);
  failing.requests_failed = 3;
  // a1 runs workers 0 and 1, a2 worker 2; a2 stops after interval 0, a1 after interval 1.
  merger.add(report(0, 0, false, samples(l, 0, 0, everything)), "a1");
  merger.add(report(1, 0, false, samples(l, 1, 0, everything)), "a1");
  auto done = merger.add(report(2, 0, true, failing), "a2", true);
  ASSERT_EQ(done.size(), 1u);
  ASSERT_EQ(done[0].sources.size(), 2u);
  EXPECT_EQ(done[0].sources["a1"].requests + done[0].sources["a2"].requests,
            done[0].merged.requests);
  EXPECT_EQ(done[0].sources["a2"].requests, failing.requests);
  EXPECT_EQ(done[0].sources["a2"].failed, 3u);
  EXPECT_TRUE(done[0].sources["a2"].ended);
  EXPECT_FALSE(done[0].sources["a1"].ended);
  metrics::metric_set again(l);
  merger.add(report(0, 0, false, samples(l, 0, 0, again)), "a1");  // a duplicate counts nowhere
  merger.add(report(0, 1, true, samples(l, 0, 1, everything)), "a1");
  done = merger.add(report(1, 1, true, samples(l, 1, 1, everything)), "a1", true);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].sources.count("a2"), 0u);  // never reported interval 1
  EXPECT_EQ(done[0].sources["a1"].requests, done[0].merged.requests);
  EXPECT_TRUE(done[0].sources["a1"].ended);
  EXPECT_EQ(merger.totals().requests, everything.requests);
}

TEST(IntervalMerger, ReportsWithoutASourceCountInNone) {
  const auto l = layout();
  metrics::metric_set everything(l);
  interval_merger merger(l, 1);
  const auto done = merger.add(report(0, 0, true, samples(l, 0, 0, everything)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].sources.empty());
}

TEST(IntervalMerger, DrainCompletesWhatIsPending) {
  const auto l = layout();
  metrics::metric_set everything(l);
  interval_merger merger(l, 2);
  merger.add(report(0, 0, false, samples(l, 0, 0, everything)));
  merger.add(report(0, 1, false, samples(l, 0, 1, everything)));
  const auto done = merger.drain();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(merger.totals().requests, everything.requests);
}

TEST(IntervalMerger, RetiredWorkerNoLongerHoldsIntervalsBackAndItsLateReportsAreIgnored) {
  const auto l = layout();
  metrics::metric_set everything(l);
  interval_merger merger(l, 2);
  merger.add(report(0, 0, false, samples(l, 0, 0, everything)));
  merger.add(report(1, 0, false, samples(l, 1, 0, everything)));
  EXPECT_TRUE(merger.add(report(0, 1, false, samples(l, 0, 1, everything))).empty());
  EXPECT_EQ(merger.next_index(1), 1);
  const auto done = merger.retire(1);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].index, 1);
  EXPECT_TRUE(merger.finished(1));
  metrics::metric_set late(l);
  EXPECT_TRUE(merger.add(report(1, 1, false, samples(l, 1, 1, late))).empty());
  EXPECT_EQ(merger.duplicates(), 1u);
  EXPECT_TRUE(merger.retire(1).empty());  // retiring twice changes nothing
  ASSERT_EQ(merger.add(report(0, 2, true, samples(l, 0, 2, everything))).size(), 1u);
  EXPECT_TRUE(merger.all_finished());
  EXPECT_EQ(merger.totals().requests, everything.requests);
  EXPECT_EQ(merger.totals().latency, everything.latency);
}

TEST(IntervalMerger, ConnectRateLeavesOutThePartlySpentFirstAndLastSeconds) {
  const auto l = layout();
  interval_merger merger(l, 2);
  // Two workers connecting at 1,000/s each from 0.7 s to 4.2 s: seconds 0 and 4 are partial.
  const std::uint64_t per_second[][2] = {{300, 300},   {1000, 1000}, {1000, 1000},
                                         {1000, 1000}, {200, 200},   {0, 0}};
  for (std::int64_t i = 0; i < 6; ++i) {
    for (std::uint32_t w = 0; w < 2; ++w) {
      metrics::metric_set m(l);
      m.held_established = per_second[i][w];
      merger.add(report(w, i, i == 5, std::move(m)));
    }
  }
  const auto& t = merger.totals();
  EXPECT_EQ(t.held_established, 7000u);
  EXPECT_EQ(t.held_connect_seconds, 5u);
  EXPECT_EQ(t.held_peak_connects, 2000u);
  const auto s = metrics::summary::build(t, l, 6.0);
  EXPECT_DOUBLE_EQ(s.connect_rate, 2000.0);  // not 7,000 / 5 = 1,400
  EXPECT_DOUBLE_EQ(s.connect_rate_peak, 2000.0);
}

TEST(IntervalMerger, ConnectRateOverOneOrTwoSecondsCountsThemAll) {
  const auto l = layout();
  interval_merger merger(l, 1);
  for (std::int64_t i = 0; i < 3; ++i) {
    metrics::metric_set m(l);
    m.held_established = i == 2 ? 0 : 500;
    merger.add(report(0, i, i == 2, std::move(m)));
  }
  EXPECT_DOUBLE_EQ(metrics::summary::build(merger.totals(), l, 3.0).connect_rate, 500.0);
}

TEST(IntervalMerger, SettlesAMessagesReachOnceItsDeliveriesFromEveryWorkerAreIn) {
  const auto l = layout();
  interval_merger merger(l, 2);
  constexpr std::int64_t second = 1'000'000;
  // Message 1 (published at 1 s) reached 3 subscribers on worker 0 and 1 on worker 1; the
  // interval after brings a message published 11 s later, so message 1 is settled then.
  metrics::metric_set a(l), b(l), c(l), d(l);
  a.push_pending.record(9, 1, second, 100);
  a.push_pending.record(9, 1, second, 100);
  a.push_pending.record(9, 1, second, 100);
  b.push_pending.record(9, 1, second, 400);
  c.push_pending.record(9, 2, 12 * second, 50);
  merger.add(report(0, 0, false, std::move(a)));
  merger.add(report(1, 0, false, std::move(b)));
  EXPECT_EQ(merger.totals().push_pending.size(), 1u);
  EXPECT_EQ(merger.totals().push_reach[0].count(), 0u);
  merger.add(report(0, 1, true, std::move(c)));
  merger.add(report(1, 1, true, std::move(d)));
  const auto& t = merger.totals();
  EXPECT_EQ(t.push_pending.size(), 1u);  // message 2 waits for more deliveries
  ASSERT_EQ(t.push_reach[0].count(), 1u);
  EXPECT_EQ(t.push_reach[0].max(),
            metrics::reach_table::value_of(metrics::reach_table::bucket_of(100)));
  EXPECT_EQ(t.push_reach[3].max(),
            metrics::reach_table::value_of(metrics::reach_table::bucket_of(400)));
}

}  // namespace
}  // namespace stampede::engine

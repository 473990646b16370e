// SPDX-License-Identifier: Apache-2.0
#include "control/report_outbox.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "control/clock_estimator.hpp"

namespace stampede::control {
namespace {

v1::IntervalReport report(std::int64_t run, std::uint32_t worker, std::int64_t index) {
  v1::IntervalReport r;
  r.set_run_id(run);
  r.set_worker(worker);
  r.set_index(index);
  return r;
}

std::vector<std::int64_t> indexes(const std::vector<v1::IntervalReport>& reports) {
  std::vector<std::int64_t> out;
  for (const auto& r : reports) {
    out.push_back(r.worker() * 100 + r.index());
  }
  return out;
}

TEST(ReportOutbox, SendsOnceAndKeepsUntilAcknowledged) {
  report_outbox box;
  box.push(report(1, 0, 0));
  box.push(report(1, 1, 0));
  EXPECT_TRUE(box.has_unsent());
  EXPECT_EQ(indexes(box.take_unsent()), (std::vector<std::int64_t>{0, 100}));
  EXPECT_FALSE(box.has_unsent());
  EXPECT_TRUE(box.take_unsent().empty());
  EXPECT_EQ(box.unacknowledged(), 2u);
  box.acknowledge(1, 0, 0);
  EXPECT_EQ(box.unacknowledged(), 1u);
  box.acknowledge(1, 0, 0);  // twice is harmless
  box.acknowledge(9, 9, 9);  // unknown is harmless
  EXPECT_EQ(box.unacknowledged(1), 1u);
  EXPECT_EQ(box.unacknowledged(2), 0u);
}

TEST(ReportOutbox, ANewConnectionResendsEveryUnacknowledgedReportInWorkerOrder) {
  report_outbox box;
  box.push(report(1, 1, 0));
  box.push(report(1, 0, 0));
  box.push(report(1, 0, 1));
  box.take_unsent();
  box.acknowledge(1, 0, 0);
  box.push(report(1, 1, 1));  // produced while disconnected
  box.resend_all();
  EXPECT_EQ(indexes(box.take_unsent()), (std::vector<std::int64_t>{1, 100, 101}));
  EXPECT_EQ(box.unacknowledged(), 3u);
}

TEST(ReportOutbox, ASpoolDirectoryKeepsReportsAcrossARestart) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("stampede-spool-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    report_outbox box(dir.string());
    box.push(report(3, 0, 0));
    box.push(report(3, 0, 1));
    box.push(report(3, 1, 0));
    box.take_unsent();
    box.acknowledge(3, 0, 0);
  }
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    files += e.path().extension() == ".report" ? 1 : 0;
  }
  EXPECT_EQ(files, 2u);  // the acknowledged one is gone
  {
    std::ofstream junk(dir / "9-9-9.report");
    junk << "not a protobuf \xff\xff\xff";
  }
  report_outbox again(dir.string());  // a restarted agent: sends what was left, in order
  EXPECT_EQ(indexes(again.take_unsent()), (std::vector<std::int64_t>{1, 100}));
  EXPECT_EQ(again.unacknowledged(3), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir / "9-9-9.report"));
  again.acknowledge(3, 0, 1);
  again.acknowledge(3, 1, 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST(ReportOutbox, AnUnusableSpoolDirectoryIsAClearError) {
  try {
    report_outbox box("/proc/stampede-cannot-be-here");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/stampede-cannot-be-here"), std::string::npos);
  }
}

TEST(ClockEstimator, TrustsTheShortestRoundTrip) {
  clock_estimator c;
  EXPECT_FALSE(c.best().has_value());
  // Controller 500 ms ahead; a slow exchange skews the midpoint, a fast one does not.
  c.add(1000, 1900, 1200);  // rtt 200: offset 800 (skewed)
  c.add(2000, 2502, 2004);  // rtt 4: offset 500
  c.add(3000, 3560, 3100);  // rtt 100
  ASSERT_TRUE(c.best().has_value());
  EXPECT_EQ(c.best()->offset_ms, 500);
  EXPECT_EQ(c.best()->round_trip_ms, 4);
}

TEST(ClockEstimator, ForgetsOldSamples) {
  clock_estimator c;
  c.add(0, 1000, 0);  // rtt 0, offset 1000
  for (int i = 1; i <= 16; ++i) {
    c.add(i * 1000, i * 1000 + 5 - 50, i * 1000 + 10);  // rtt 10, offset -50
  }
  EXPECT_EQ(c.best()->offset_ms, -50);
}

}  // namespace
}  // namespace stampede::control

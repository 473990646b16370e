// SPDX-License-Identifier: Apache-2.0
#include "metrics/sut_figures.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace stampede::metrics {
namespace {

TEST(SutFigures, EachValueFoldsAsItMeans) {
  sut_accumulator a;
  a.add({{"cpu", 50}, {"rss", 1000}, {"listen_overflows", 2}, {"mem_available", 900}, {"pid", 7}});
  a.add({{"cpu", 150}, {"rss", 3000}, {"listen_overflows", 3}, {"mem_available", 400}, {"pid", 8}});
  a.add({{"rss", 2000}, {"listen_overflows", 0}, {"mem_available", 600}});  // no cpu yet
  const auto f = a.figures();
  EXPECT_DOUBLE_EQ(f.at("samples"), 3);
  EXPECT_DOUBLE_EQ(f.at("cpu.max"), 150);
  EXPECT_DOUBLE_EQ(f.at("cpu.mean"), 100);  // over the seconds that had it
  EXPECT_DOUBLE_EQ(f.at("rss.max"), 3000);
  EXPECT_DOUBLE_EQ(f.at("listen_overflows"), 5);
  EXPECT_DOUBLE_EQ(f.at("mem_available.min"), 400);
  EXPECT_DOUBLE_EQ(f.at("pid"), 8);
  EXPECT_EQ(f.count("rss.mean"), 0u);
  EXPECT_EQ(f.count("cpu"), 0u);
}

TEST(SutFigures, JsonNestsTheStatisticsAndReadsBack) {
  const sut_figures f{{"cpu.max", 93.5}, {"cpu.mean", 80}, {"listen_overflows", 0}, {"samples", 4}};
  const auto j = sut_to_json(f);
  EXPECT_EQ(j, nlohmann::json::parse(
                   R"({"cpu": {"max": 93.5, "mean": 80}, "listen_overflows": 0, "samples": 4})"));
  EXPECT_EQ(sut_from_json(j), f);
}

TEST(SutFigures, ThresholdMetricsFindTheMonitorOrTheHighest) {
  const std::map<std::string, sut_figures> sut{
      {"web", {{"cpu.max", 120}, {"mem_available.min", 500}, {"listen_overflows", 0}}},
      {"db", {{"cpu.max", 80}, {"mem_available.min", 300}, {"listen_overflows", 4}}}};
  EXPECT_EQ(sut_metric(sut, "sut.web.cpu.max"), 120);
  EXPECT_EQ(sut_metric(sut, "sut.db.listen_overflows"), 4);
  EXPECT_EQ(sut_metric(sut, "sut.cpu.max"), 120);
  EXPECT_EQ(sut_metric(sut, "sut.listen_overflows"), 4);
  EXPECT_EQ(sut_metric(sut, "sut.mem_available.min"), 300);  // the lowest: what runs out
  EXPECT_EQ(sut_metric(sut, "sut.cache.cpu.max"), std::nullopt);
  EXPECT_EQ(sut_metric(sut, "sut.web.rss.max"), std::nullopt);
  EXPECT_EQ(sut_metric({}, "sut.cpu.max"), std::nullopt);
}

TEST(SutFigures, KnownFiguresAndUnits) {
  EXPECT_TRUE(is_sut_figure("cpu.max"));
  EXPECT_TRUE(is_sut_figure("cpu.mean"));
  EXPECT_TRUE(is_sut_figure("listen_overflows"));
  EXPECT_TRUE(is_sut_figure("mem_available.min"));
  EXPECT_FALSE(is_sut_figure("mem_available.max"));
  EXPECT_FALSE(is_sut_figure("listen_overflows.max"));
  EXPECT_FALSE(is_sut_figure("rss.mean"));
  EXPECT_FALSE(is_sut_figure("nginx.cpu.max"));
  EXPECT_EQ(unit_of("cpu.max"), sut_unit::percent);
  EXPECT_EQ(unit_of("rss"), sut_unit::bytes);
  EXPECT_EQ(unit_of("fds.max"), sut_unit::number);
}

}  // namespace
}  // namespace stampede::metrics

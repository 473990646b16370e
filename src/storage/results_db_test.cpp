// SPDX-License-Identifier: Apache-2.0
#include "storage/results_db.hpp"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace stampede::storage {
namespace {

class ResultsDb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("stampede-db-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "runs.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(ResultsDb, RunRoundTripAndNewestFirst) {
  results_db db(path_);
  EXPECT_EQ(db.schema_version(), 3);
  run_record r;
  r.name = "quickstart";
  r.command = "stampede run quickstart.yaml";
  r.campaign_text = "target: http://127.0.0.1:8080\n";
  r.started_at_ms = 1000;
  const auto first = db.begin_run(r);
  r.name = "second";
  const auto second = db.begin_run(r);
  EXPECT_GT(second, first);
  db.finish_run(first, 5000, "completed", 99, "{\"requests\":{}}");

  auto runs = db.list_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].name, "second");
  EXPECT_EQ(runs[0].status, "running");
  EXPECT_EQ(runs[0].exit_code, -1);
  EXPECT_TRUE(runs[0].campaign_text.empty());
  auto got = db.find_run(first);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->campaign_text, r.campaign_text);
  EXPECT_EQ(got->status, "completed");
  EXPECT_EQ(got->exit_code, 99);
  EXPECT_EQ(got->ended_at_ms, 5000);
  EXPECT_EQ(got->summary_json, "{\"requests\":{}}");
  EXPECT_FALSE(db.find_run(12345));
  EXPECT_EQ(db.list_runs(1).size(), 1u);
}

TEST_F(ResultsDb, IntervalsKeepHistogramBytesExactly) {
  results_db db(path_);
  const auto id = db.begin_run({});
  for (int i = 2; i >= 0; --i) {
    interval_record iv;
    iv.run_id = id;
    iv.index = i;
    iv.started_at_ms = 1000 * i;
    iv.metrics_json = "{\"requests\":" + std::to_string(i) + "}";
    iv.histograms = {{"latency", std::string("\x01\x00\xff\x00zz", 6)},
                     {"step.0", std::string(3, static_cast<char>(i))}};
    db.add_interval(iv);
  }
  const auto ivs = db.intervals(id);
  ASSERT_EQ(ivs.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ivs[i].index, i);
    EXPECT_EQ(ivs[i].metrics_json, "{\"requests\":" + std::to_string(i) + "}");
    ASSERT_EQ(ivs[i].histograms.size(), 2u);
    EXPECT_EQ(ivs[i].histograms[0].first, "latency");
    EXPECT_EQ(ivs[i].histograms[0].second, std::string("\x01\x00\xff\x00zz", 6));
    EXPECT_EQ(ivs[i].histograms[1].second, std::string(3, static_cast<char>(i)));
  }
}

TEST_F(ResultsDb, ReopenedFileKeepsEverything) {
  std::int64_t id = 0;
  {
    results_db db(path_);
    run_record r;
    r.name = "kept";
    id = db.begin_run(r);
    db.add_interval({id, 0, 0, "{}", {}});
  }
  results_db again(path_);
  EXPECT_EQ(again.schema_version(), 3);
  ASSERT_TRUE(again.find_run(id));
  EXPECT_EQ(again.find_run(id)->name, "kept");
  EXPECT_EQ(again.intervals(id).size(), 1u);
}

TEST_F(ResultsDb, CampaignsByUniqueName) {
  results_db db(path_);
  EXPECT_TRUE(db.add_campaign({"shop", "target: a", "shop.yaml", 1, 1}));
  EXPECT_FALSE(db.add_campaign({"shop", "target: b", "other.yaml", 2, 2}));
  EXPECT_TRUE(db.add_campaign({"api", "target: c", "api.yaml", 3, 3}));
  EXPECT_TRUE(db.update_campaign({"shop", "target: d", "shop2.yaml", 0, 9}));
  EXPECT_FALSE(db.update_campaign({"nope", "x", "x", 0, 9}));
  const auto all = db.list_campaigns();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "api");
  const auto shop = db.find_campaign("shop");
  ASSERT_TRUE(shop);
  EXPECT_EQ(shop->text, "target: d");
  EXPECT_EQ(shop->created_at_ms, 1);
  EXPECT_EQ(shop->updated_at_ms, 9);
  EXPECT_TRUE(db.remove_campaign("shop"));
  EXPECT_FALSE(db.remove_campaign("shop"));
  EXPECT_FALSE(db.find_campaign("shop"));
}

TEST_F(ResultsDb, AgentsKeepTheirFirstSighting) {
  results_db db(path_);
  db.upsert_agent({"a1", 2, 20000, "0.1.0", 100, 100});
  db.upsert_agent({"a1", 4, 20000, "0.1.1", 500, 900});
  const auto agents = db.list_agents();
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].cores, 4u);
  EXPECT_EQ(agents[0].version, "0.1.1");
  EXPECT_EQ(agents[0].first_seen_ms, 100);
  EXPECT_EQ(agents[0].last_seen_ms, 900);
}

TEST_F(ResultsDb, UnwritablePathNamesTheFile) {
  const auto bad = (dir_ / "no-such-dir" / "runs.db").string();
  try {
    results_db db(bad);
    FAIL() << "expected storage_error";
  } catch (const storage_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
}

TEST_F(ResultsDb, NotADatabaseIsAClearError) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    std::fputs("this is not sqlite, just text that is long enough to have a header......", f);
    std::fclose(f);
  }
  EXPECT_THROW(results_db db(path_), storage_error);
}

}  // namespace
}  // namespace stampede::storage

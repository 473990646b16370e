// SPDX-License-Identifier: Apache-2.0
// The results database against real SQLite files in a temporary directory.
#include "storage/results_db.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>

#include "metrics/histogram.hpp"

namespace stampede::storage {
namespace {

class ResultsDb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("stampede-db-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "runs.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// Runs SQL on the file behind results_db's back, as another program (or an older
  /// stampede) would.
  void raw_sql(const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  /// The first column of the first row of a query, as text.
  std::string raw_query(const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* s = nullptr;
    std::string out = "<no row>";
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(s, 0);
      out = text ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  }

  std::filesystem::path dir_;
  std::string path_;
};

run_record sample_run(std::string name) {
  run_record r;
  r.name = std::move(name);
  r.command = "stampede run quickstart.yaml --duration 10s";
  r.campaign_text = "target: http://127.0.0.1:8080\nname: ünïcode ✓\n";
  r.started_at_ms = 1'700'000'000'123;
  return r;
}

TEST_F(ResultsDb, RunRoundTrip) {
  results_db db(path_);
  EXPECT_EQ(db.path(), path_);
  const auto r = sample_run("quickstart");
  const auto id = db.begin_run(r);
  EXPECT_GT(id, 0);

  auto running = db.find_run(id);
  ASSERT_TRUE(running);
  EXPECT_EQ(running->id, id);
  EXPECT_EQ(running->name, r.name);
  EXPECT_EQ(running->command, r.command);
  EXPECT_EQ(running->campaign_text, r.campaign_text);
  EXPECT_EQ(running->started_at_ms, r.started_at_ms);
  EXPECT_EQ(running->ended_at_ms, 0);
  EXPECT_EQ(running->status, "running");  // what an empty status means
  EXPECT_EQ(running->exit_code, -1);
  EXPECT_EQ(running->summary_json, "");

  db.finish_run(id, r.started_at_ms + 10'000, "interrupted", 130, R"({"requests":{"total":5}})");
  const auto done = db.find_run(id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->ended_at_ms, r.started_at_ms + 10'000);
  EXPECT_EQ(done->status, "interrupted");
  EXPECT_EQ(done->exit_code, 130);
  EXPECT_EQ(done->summary_json, R"({"requests":{"total":5}})");
  EXPECT_EQ(done->campaign_text, r.campaign_text);
  EXPECT_FALSE(db.find_run(id + 1000));
}

TEST_F(ResultsDb, ListRunsNewestFirstWithSummaries) {
  results_db db(path_);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = sample_run("run" + std::to_string(i));
    r.started_at_ms = 5'000 - i;  // clocks disagree: the order is still the order of begin_run
    ids.push_back(db.begin_run(r));
  }
  db.finish_run(ids[1], 9'000, "completed", 0, R"({"ok":true})");

  const auto runs = db.list_runs();
  ASSERT_EQ(runs.size(), 5u);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].id, ids[4 - i]);
    EXPECT_EQ(runs[i].name, "run" + std::to_string(4 - i));
    EXPECT_TRUE(runs[i].campaign_text.empty());
  }
  EXPECT_EQ(runs[3].summary_json, R"({"ok":true})");
  EXPECT_EQ(runs[3].status, "completed");
  EXPECT_EQ(runs[3].command, sample_run("").command);

  const auto two = db.list_runs(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].id, ids[4]);
  EXPECT_EQ(two[1].id, ids[3]);
  EXPECT_TRUE(db.list_runs(0).empty());
  EXPECT_EQ(db.list_runs(SIZE_MAX).size(), 5u);
}

TEST_F(ResultsDb, IntervalsInIndexOrderWithHistogramBytesExact) {
  results_db db(path_);
  const auto id = db.begin_run(sample_run("x"));
  const std::string binary("\x01\x00\xff\x00zz\x00", 7);
  for (int i = 2; i >= 0; --i) {  // stored out of order
    interval_record iv;
    iv.run_id = id;
    iv.index = i;
    iv.started_at_ms = 1000 * i;
    iv.metrics_json = "{\"requests\":" + std::to_string(i) + "}";
    iv.histograms = {{"step.0", std::string(3, static_cast<char>(i))},
                     {"latency", binary},
                     {"empty", std::string()}};
    db.add_interval(iv);
  }
  const auto ivs = db.intervals(id);
  ASSERT_EQ(ivs.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ivs[i].run_id, id);
    EXPECT_EQ(ivs[i].index, i);
    EXPECT_EQ(ivs[i].started_at_ms, 1000 * i);
    EXPECT_EQ(ivs[i].metrics_json, "{\"requests\":" + std::to_string(i) + "}");
    ASSERT_EQ(ivs[i].histograms.size(), 3u);
    EXPECT_EQ(ivs[i].histograms[0], std::make_pair(std::string("empty"), std::string()));
    EXPECT_EQ(ivs[i].histograms[1].first, "latency");
    EXPECT_EQ(ivs[i].histograms[1].second, binary);
    EXPECT_EQ(ivs[i].histograms[2].first, "step.0");
    EXPECT_EQ(ivs[i].histograms[2].second, std::string(3, static_cast<char>(i)));
  }
  EXPECT_TRUE(db.intervals(id + 1).empty());
}

TEST_F(ResultsDb, EncodedHistogramsDecodeAfterStorage) {
  metrics::histogram h;
  for (std::uint64_t v = 0; v < 100'000; v += 37) {
    h.record(v);
  }
  h.record(metrics::histogram::highest_trackable + 1);
  const auto bytes = h.encode();
  ASSERT_NE(bytes.find('\0'), std::string::npos);  // the blob must survive embedded zeros

  results_db db(path_);
  const auto id = db.begin_run(sample_run("x"));
  db.add_interval({id, 0, 0, "{}", {{"latency", bytes}}});
  const auto ivs = db.intervals(id);
  ASSERT_EQ(ivs.size(), 1u);
  ASSERT_EQ(ivs[0].histograms.size(), 1u);
  EXPECT_EQ(ivs[0].histograms[0].second, bytes);
  const auto back = metrics::histogram::decode(ivs[0].histograms[0].second);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, h);
}

TEST_F(ResultsDb, StoringAnIntervalAgainReplacesIt) {
  results_db db(path_);
  const auto id = db.begin_run(sample_run("x"));
  db.add_interval({id, 4, 100, "{\"a\":1}", {{"latency", "old"}, {"connect", "old"}}});
  db.add_interval({id, 4, 200, "{\"a\":2}", {{"latency", "new"}}});
  const auto ivs = db.intervals(id);
  ASSERT_EQ(ivs.size(), 1u);
  EXPECT_EQ(ivs[0].started_at_ms, 200);
  EXPECT_EQ(ivs[0].metrics_json, "{\"a\":2}");
  ASSERT_EQ(ivs[0].histograms.size(), 1u);
  EXPECT_EQ(ivs[0].histograms[0], std::make_pair(std::string("latency"), std::string("new")));
}

TEST_F(ResultsDb, LaterSecondsWithTheHistogramsAsked) {
  results_db db(path_);
  const auto id = db.begin_run(sample_run("x"));
  for (std::int64_t i = 0; i < 4; ++i) {
    db.add_interval({id,
                     i,
                     1000 * i,
                     "{}",
                     {{"connect", "c"}, {"latency", "l"}, {"scenario_latency.0", "s0"}}});
  }
  const auto later = db.intervals(id, 1, {"latency", "scenario_latency."});
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0].index, 2);
  EXPECT_EQ(later[1].index, 3);
  const std::vector<std::pair<std::string, std::string>> kept{{"latency", "l"},
                                                              {"scenario_latency.0", "s0"}};
  EXPECT_EQ(later[1].histograms, kept);
  EXPECT_EQ(db.intervals(id, -1, {}).size(), 4u);
  EXPECT_EQ(db.intervals(id, -1, {})[0].histograms.size(), 3u);
  EXPECT_TRUE(db.intervals(id, 3, {}).empty());
  // In slices: each with its own histograms only.
  const auto slice = db.intervals(id, 0, {}, 2);
  ASSERT_EQ(slice.size(), 2u);
  EXPECT_EQ(slice[0].index, 1);
  EXPECT_EQ(slice[1].index, 2);
  EXPECT_EQ(slice[1].histograms.size(), 3u);
  EXPECT_EQ(db.intervals(id, 2, {}, 2).size(), 1u);
}

TEST_F(ResultsDb, AFailedIntervalLeavesNothingBehind) {
  results_db db(path_);
  const auto id = db.begin_run(sample_run("x"));
  // The second "latency" breaks the (run, index, name) key after the interval row and the
  // first histogram were written: the transaction must take both back.
  EXPECT_THROW(db.add_interval({id, 0, 0, "{}", {{"latency", "a"}, {"latency", "b"}}}),
               storage_error);
  EXPECT_TRUE(db.intervals(id).empty());
  EXPECT_EQ(raw_query("SELECT COUNT(*) FROM interval_histograms"), "0");
  // The connection is still usable afterwards.
  db.add_interval({id, 0, 0, "{}", {{"latency", "a"}}});
  EXPECT_EQ(db.intervals(id).size(), 1u);
}

TEST_F(ResultsDb, UnknownRunsAreRefused) {
  results_db db(path_);
  EXPECT_THROW(db.add_interval({42, 0, 0, "{}", {}}), storage_error);
  try {
    db.finish_run(42, 1, "completed", 0, "{}");
    FAIL() << "expected storage_error";
  } catch (const storage_error& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("42"), std::string::npos) << e.what();
  }
}

TEST_F(ResultsDb, ReopenedFileKeepsEverything) {
  std::int64_t id = 0;
  {
    results_db db(path_);
    id = db.begin_run(sample_run("kept"));
    db.add_interval({id, 0, 0, "{}", {{"latency", std::string("\0\1", 2)}}});
    db.finish_run(id, 7, "completed", 0, "{}");
  }
  results_db again(path_);
  EXPECT_EQ(again.schema_version(), results_db::latest_schema_version());
  const auto run = again.find_run(id);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->name, "kept");
  EXPECT_EQ(run->status, "completed");
  const auto ivs = again.intervals(id);
  ASSERT_EQ(ivs.size(), 1u);
  EXPECT_EQ(ivs[0].histograms.at(0).second, std::string("\0\1", 2));
  // Ids are never reused, even after a reopen.
  EXPECT_GT(again.begin_run(sample_run("next")), id);
}

TEST_F(ResultsDb, FileIsInWalModeWithOneSchemaVersionRow) {
  { results_db db(path_); }
  EXPECT_EQ(raw_query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_query("SELECT COUNT(*) FROM schema_version"), "1");
  EXPECT_EQ(raw_query("SELECT version FROM schema_version"),
            std::to_string(results_db::latest_schema_version()));
  EXPECT_GE(results_db::latest_schema_version(), 1);
  { results_db db(path_); }  // opening again migrates nothing and adds no row
  EXPECT_EQ(raw_query("SELECT COUNT(*) FROM schema_version"), "1");
}

TEST_F(ResultsDb, OlderFilesAreMigratedKeepingTheirRuns) {
  std::int64_t id = 0;
  {
    results_db db(path_);
    id = db.begin_run(sample_run("from version 1"));
  }
  // What a version 1 file looks like: runs and intervals only.
  raw_sql(
      "DROP TABLE sut_profiles; DROP TABLE agent_reports; DROP TABLE run_control; "
      "DROP TABLE agents; DROP TABLE campaigns; "
      "UPDATE schema_version SET version = 1;");  // migrations 2 to 8 run again
  results_db db(path_);
  EXPECT_EQ(db.schema_version(), results_db::latest_schema_version());
  ASSERT_TRUE(db.find_run(id));
  EXPECT_EQ(db.find_run(id)->name, "from version 1");
  EXPECT_TRUE(db.add_campaign({"shop", "target: a", "shop.yaml", 1, 1}));
  db.upsert_agent({"a1", 2, 1024, "0.1.0", 1, 1});
  EXPECT_EQ(db.list_agents().size(), 1u);
  EXPECT_TRUE(db.add_agent_report(id, "a1", 0, 0, "r"));
  db.add_profile({id, "web", 1.5, 2.0, "main;work 3\n"});
  ASSERT_EQ(db.profiles(id).size(), 1u);
  EXPECT_EQ(db.profiles(id)[0].folded, "main;work 3\n");
  EXPECT_EQ(db.profiles(id)[0].start_s, 1.5);
  EXPECT_TRUE(db.profiles(id + 1).empty());
}

TEST_F(ResultsDb, NewerSchemaIsRefused) {
  { results_db db(path_); }
  raw_sql("UPDATE schema_version SET version = 999;");
  try {
    results_db db(path_);
    FAIL() << "expected storage_error";
  } catch (const storage_error& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("999"), std::string::npos) << e.what();
  }
  EXPECT_EQ(raw_query("SELECT version FROM schema_version"), "999");  // left alone
}

TEST_F(ResultsDb, UnwritablePathNamesTheFile) {
  const auto bad = (dir_ / "no-such-dir" / "runs.db").string();
  try {
    results_db db(bad);
    FAIL() << "expected storage_error";
  } catch (const storage_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unable to open"), std::string::npos) << e.what();
  }
  EXPECT_THROW(results_db db(dir_.string()), storage_error);  // a directory
}

TEST_F(ResultsDb, NotADatabaseIsAClearError) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not sqlite, just text that is long enough to have a header......", f);
    std::fclose(f);
  }
  try {
    results_db db(path_);
    FAIL() << "expected storage_error";
  } catch (const storage_error& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
  }
}

TEST_F(ResultsDb, TwoConnectionsShareTheFile) {
  results_db writer(path_);
  results_db reader(path_);
  const auto id = writer.begin_run(sample_run("shared"));
  writer.add_interval({id, 0, 0, "{}", {{"latency", "x"}}});
  ASSERT_TRUE(reader.find_run(id));
  EXPECT_EQ(reader.intervals(id).size(), 1u);
  const auto other = reader.begin_run(sample_run("from the reader"));
  EXPECT_EQ(writer.list_runs().front().id, other);
}

TEST_F(ResultsDb, MovedDatabaseKeepsItsConnection) {
  results_db first(path_);
  const auto id = first.begin_run(sample_run("moved"));
  results_db second(std::move(first));
  EXPECT_EQ(second.path(), path_);
  ASSERT_TRUE(second.find_run(id));
  results_db third(path_);
  third = std::move(second);
  EXPECT_EQ(third.find_run(id)->name, "moved");
}

TEST_F(ResultsDb, CampaignsByUniqueName) {
  results_db db(path_);
  EXPECT_TRUE(db.add_campaign({"shop", "target: a", "shop.yaml", 1, 1}));
  EXPECT_FALSE(db.add_campaign({"shop", "target: b", "other.yaml", 2, 2}));
  EXPECT_TRUE(db.add_campaign({"api", "target: c", "api.yaml", 3, 3}));
  EXPECT_TRUE(db.update_campaign({"shop", "target: d", "shop2.yaml", 0, 9, "id\n1\n2\n"}));
  EXPECT_FALSE(db.update_campaign({"nope", "x", "x", 0, 9}));
  const auto all = db.list_campaigns();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "api");
  EXPECT_EQ(all[0].data_text, "");
  EXPECT_EQ(all[1].data_text, "id\n1\n2\n");
  const auto shop = db.find_campaign("shop");
  ASSERT_TRUE(shop);
  EXPECT_EQ(shop->text, "target: d");
  EXPECT_EQ(shop->source_file, "shop2.yaml");
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
  db.upsert_agent({"a0", 1, 1024, "0.1.1", 50, 50});
  const auto agents = db.list_agents();
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0].name, "a0");
  EXPECT_EQ(agents[1].cores, 4u);
  EXPECT_EQ(agents[1].version, "0.1.1");
  EXPECT_EQ(agents[1].first_seen_ms, 100);
  EXPECT_EQ(agents[1].last_seen_ms, 900);
}

TEST_F(ResultsDb, DistributedRunStateAndReportsSurviveAReopen) {
  std::int64_t running = 0;
  std::int64_t finished = 0;
  {
    results_db db(path_);
    auto r = sample_run("dist");
    r.status = "running";
    running = db.begin_run(r);
    finished = db.begin_run(r);
    db.set_run_control(running, R"({"agents":["a1"]})");
    db.set_run_data(running, "path\necho\n");
    db.set_run_control(running, R"({"agents":["a1","a2"]})");          // replaces, keeping the data
    EXPECT_THROW(db.set_run_data(running + 100, "x"), storage_error);  // no control state
    db.set_run_control(finished, "{}");
    db.finish_run(finished, 2, "completed", 0, "{}");
    const std::string binary("\0\1\xff report", 11);
    EXPECT_TRUE(db.add_agent_report(running, "a2", 1, 0, binary));
    EXPECT_TRUE(db.add_agent_report(running, "a1", 0, 1, "w0 s1"));
    EXPECT_TRUE(db.add_agent_report(running, "a1", 0, 0, "w0 s0"));
    EXPECT_FALSE(db.add_agent_report(running, "a2", 0, 0, "again"));  // kept once
    EXPECT_TRUE(db.add_agent_report(finished, "a1", 0, 0, "other run"));
  }
  results_db db(path_);
  const auto controls = db.unfinished_run_controls();
  ASSERT_EQ(controls.size(), 1u);  // the finished run is not resumed
  EXPECT_EQ(controls[0].first, running);
  EXPECT_EQ(controls[0].second, R"({"agents":["a1","a2"]})");
  EXPECT_EQ(db.run_data(running), "path\necho\n");
  EXPECT_EQ(db.run_data(finished), "");
  const auto reports = db.agent_reports(running);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].bytes, "w0 s0");  // by worker, then second
  EXPECT_EQ(reports[0].agent, "a1");
  EXPECT_EQ(reports[1].bytes, "w0 s1");
  EXPECT_EQ(reports[2].bytes, std::string("\0\1\xff report", 11));
  EXPECT_EQ(reports[2].agent, "a2");
  db.drop_agent_reports(running);
  EXPECT_TRUE(db.agent_reports(running).empty());
  EXPECT_EQ(db.agent_reports(finished).size(), 1u);
}

}  // namespace
}  // namespace stampede::storage

// SPDX-License-Identifier: Apache-2.0
// The read-only API against a real results database, request by request (no sockets).
#include "web/run_api.hpp"

#include <gtest/gtest.h>

#include "metrics/histogram.hpp"
#include "storage/scratch_database.hpp"

namespace stampede::web {
namespace {

using nlohmann::json;

class RunApi : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::results_db db(scratch_.path());
    storage::run_record r;
    r.name = "shop";
    r.command = "stampede run shop.yaml";
    r.status = "running";
    r.started_at_ms = 1'700'000'000'000;
    run_ = db.begin_run(r);
    other_ = db.begin_run(r);
    for (std::int64_t i = 0; i < 3; ++i) {
      metrics::histogram h;
      for (std::uint64_t v = 1; v <= 10 * static_cast<std::uint64_t>(i + 1); ++v) {
        h.record(v * 1000);
      }
      db.add_interval(
          {run_,
           i,
           r.started_at_ms + 1000 * i,
           json({{"requests", 10 * (i + 1)}, {"requests_failed", i}, {"phase", "p"}}).dump(),
           {{"latency", h.encode()}, {"step_latency.0", h.encode()}}});
    }
  }

  http_response get(const std::string& target, const std::string& method = "GET") {
    http_request r;
    r.method = method;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) {
      const auto pair = target.substr(q + 1);
      const auto eq = pair.find('=');
      r.query[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    auto answer = api_.route(r);
    EXPECT_TRUE(answer.has_value()) << target;
    EXPECT_TRUE(std::holds_alternative<http_response>(*answer)) << target;
    return std::get<http_response>(*answer);
  }

  storage::scratch_database scratch_;
  std::int64_t run_ = 0;
  std::int64_t other_ = 0;
  run_api api_{scratch_.path(), [this](std::int64_t id) { return id == run_; }};
};

TEST_F(RunApi, ListsOnlyTheRunsItShows) {
  const auto r = get("/api/runs");
  EXPECT_EQ(r.status, 200u);
  const auto runs = json::parse(r.body);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["id"], run_);
  EXPECT_EQ(runs[0]["status"], "running");
  EXPECT_EQ(get("/api/runs/" + std::to_string(other_)).status, 404u);
}

TEST_F(RunApi, IntervalsAddUpAndStartAfterTheIndexAsked) {
  const auto all = json::parse(get("/api/runs/" + std::to_string(run_) + "/intervals").body);
  ASSERT_EQ(all.size(), 3u);
  std::uint64_t total = 0;
  for (const auto& s : all) {
    total += s["requests"].get<std::uint64_t>();
    EXPECT_EQ(s["ok"].get<std::uint64_t>() + s["failed"].get<std::uint64_t>(), s["requests"]);
  }
  EXPECT_EQ(total, 60u);
  EXPECT_EQ(all[2]["index"], 2);
  EXPECT_NEAR(all[2]["latency_ms"]["max"].get<double>(), 30.0, 0.05);
  const auto later =
      json::parse(get("/api/runs/" + std::to_string(run_) + "/intervals?after=1").body);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0]["index"], 2);
}

TEST_F(RunApi, ARunningRunShowsItsTotalsSoFarAndAFinishedOneItsSummary) {
  auto so_far = json::parse(get("/api/runs/" + std::to_string(run_)).body);
  EXPECT_EQ(so_far["status"], "running");
  EXPECT_EQ(so_far["requests"]["total"], 60);
  EXPECT_EQ(so_far["requests"]["failed"], 3);
  // Exact over all seconds: 10 + 20 + 30 values, the largest 30 ms.
  EXPECT_NEAR(so_far["latency_ms"]["max"].get<double>(), 30.0, 0.05);
  {
    storage::results_db db(scratch_.path());
    db.finish_run(run_, 1'700'000'003'000, "completed", 0, R"({"requests":{"total":60}})");
  }
  const auto done = get("/api/runs/" + std::to_string(run_));
  EXPECT_EQ(done.body, R"({"requests":{"total":60}})");
}

TEST_F(RunApi, BadRequestsAreNamed) {
  EXPECT_EQ(get("/api/runs/abc").status, 400u);
  EXPECT_NE(get("/api/runs/abc").body.find("a run id is a number"), std::string::npos);
  EXPECT_EQ(get("/api/runs/" + std::to_string(run_) + "/intervals?after=x").status, 400u);
  EXPECT_EQ(get("/api/runs/" + std::to_string(run_) + "/nothing").status, 404u);
  EXPECT_EQ(get("/api/runs/999").status, 404u);
  const auto post = get("/api/runs", "POST");
  EXPECT_EQ(post.status, 405u);
  ASSERT_EQ(post.headers.size(), 1u);
  EXPECT_EQ(post.headers[0].second, "GET");
  http_request elsewhere;
  elsewhere.method = "GET";
  elsewhere.path = "/api/runsx";
  EXPECT_FALSE(api_.route(elsewhere).has_value());
}

TEST_F(RunApi, EventsAreAStream) {
  http_request r;
  r.method = "GET";
  r.path = "/api/runs/" + std::to_string(run_) + "/events";
  const auto answer = api_.route(r);
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(std::holds_alternative<event_source>(*answer));
}

}  // namespace
}  // namespace stampede::web

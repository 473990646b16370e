// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "outputs/file_outputs.hpp"
#include "outputs/graphite_output.hpp"
#include "outputs/http_post.hpp"
#include "outputs/influxdb_output.hpp"
#include "outputs/name_cleaner.hpp"
#include "outputs/opentsdb_output.hpp"
#include "outputs/output_set.hpp"
#include "outputs/prometheus_endpoint.hpp"
#include "outputs/remote_write_output.hpp"
#include "outputs/second_record.hpp"
#include "outputs/statsd_output.hpp"
#include "prometheus/remote_write.pb.h"

namespace stampede::outputs {
namespace {

metrics::metric_layout layout() {
  metrics::metric_layout l;
  l.scenarios = {"shop"};
  l.steps = {"GET /", "POST /cart"};
  return l;
}

engine::completed_interval second_of(const metrics::metric_layout& l) {
  engine::completed_interval c;
  c.index = 3;
  c.merged = metrics::metric_set(l);
  auto& m = c.merged;
  for (std::uint64_t us : {1000, 2000, 3000, 4000}) {
    m.latency.record(us);
    m.steps[0].record(us);
    m.scenario_latency[0].record(us);
    m.record_step(0, false, 200);
    m.record_status(200);
  }
  m.steps[1].record(50'000);
  m.latency.record(50'000);
  m.scenario_latency[0].record(50'000);
  m.record_step(1, true, 503);
  m.record_status(503);
  m.record_error(metrics::error_class::http_status, "503");
  m.requests = 5;
  m.requests_failed = 1;
  m.scenario_requests[0] = 5;
  m.scenario_failed[0] = 1;
  m.active_users = 7;
  c.sources["a1"] = {3, 0, false};
  c.sources["a2"] = {2, 1, true};
  return c;
}

TEST(SecondRecord, TheSecondsFiguresExactFromItsOwnHistograms) {
  const auto l = layout();
  const auto r = make_record(second_of(l), l, 1'700'000'000'000);
  EXPECT_EQ(r.t_ms, 1'700'000'003'000);
  EXPECT_EQ(r.total.requests, 5u);
  EXPECT_EQ(r.total.failed, 1u);
  ASSERT_TRUE(r.total.latency);
  EXPECT_NEAR(r.total.latency->p50, 3.0, 0.01);  // within the histogram's precision
  EXPECT_NEAR(r.total.latency->max, 50.0, 0.05);
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[1].first, "POST /cart");
  EXPECT_EQ(r.steps[1].second.failed, 1u);
  ASSERT_EQ(r.status.size(), 2u);
  EXPECT_EQ(r.status[1], (std::pair<std::string, std::uint64_t>{"503", 1}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].first, "http_status");
  const auto j = to_json(r);
  EXPECT_EQ(j["requests"], 5);
  EXPECT_EQ(j["ok"], 4);
  EXPECT_EQ(j["steps"]["GET /"]["requests"], 4);
  EXPECT_EQ(j["agents"]["a2"]["failed"], 1);
  EXPECT_EQ(j["users"], 7);
  EXPECT_EQ(j["status"]["503"], 1);
  // The flat points count the same requests by step and by agent.
  double by_step = 0, by_agent = 0;
  for (const auto& p : points(r)) {
    by_step += p.metric == "step_requests" ? p.value : 0;
    by_agent += p.metric == "agent_requests" ? p.value : 0;
  }
  EXPECT_EQ(by_step, 5);
  EXPECT_EQ(by_agent, 5);
}

TEST(SecondRecord, TheSystemUnderTestBySeriesWithItsUnitAndMonitor) {
  const auto l = layout();
  auto c = second_of(l);
  c.sut["web"] = {{"cpu", 150.5}, {"rss", 4096}, {"listen_overflows", 3}, {"pid", 42}};
  const auto r = make_record(c, l, 1'700'000'000'000);
  std::map<std::string, series_point> sut;
  for (const auto& p : r.points) {
    if (p.label == "monitor") {
      sut[p.metric] = p;
    }
  }
  ASSERT_EQ(sut.size(), 3u);  // the pid is no series
  EXPECT_EQ(sut["sut_cpu_percent"].value, 150.5);
  EXPECT_FALSE(sut["sut_cpu_percent"].counter);
  EXPECT_EQ(sut["sut_rss_bytes"].label_value, "web");
  EXPECT_TRUE(sut["sut_listen_overflows"].counter);  // a count: it adds up over the run
  EXPECT_EQ(to_json(r)["sut"]["web"]["cpu"], 150.5);
  EXPECT_EQ(prometheus_name(sut["sut_listen_overflows"]).first,
            "stampede_sut_listen_overflows_total");
}

TEST(OutputSpec, KindTargetAndOptions) {
  const auto p = parse_output_spec("prometheus=127.0.0.1:9464?linger=15s");
  EXPECT_EQ(p.kind, "prometheus");
  EXPECT_EQ(p.target, "127.0.0.1:9464");
  EXPECT_EQ(p.linger, std::chrono::seconds(15));
  EXPECT_EQ(parse_output_spec("jsonl=a=b.jsonl").target, "a=b.jsonl");
  for (const char* bad :
       {"jsonl", "=x", "jsonl=", "nope=x", "prometheus=:1?linger=soon", "prometheus=:1?every=1s"}) {
    EXPECT_THROW(parse_output_spec(bad), std::invalid_argument) << bad;
  }
  try {
    parse_output_spec("influx=x");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown output kind 'influx'"), std::string::npos);
  }
}

TEST(Prometheus, CountersTotalledLevelsInSecondsLabelsEscaped) {
  second_record r;
  r.campaign = "say \"hi\"\\";
  r.run_id = 4;
  std::vector<series_point> totals{{"requests", "", "", 12, true},
                                   {"step_requests", "step", "GET /a\nb", 5, true}};
  std::vector<series_point> levels{{"latency_p99_ms", "", "", 25, false},
                                   {"users", "", "", 3, false}};
  const auto text = exposition_text(&r, totals, levels);
  EXPECT_NE(text.find("# TYPE stampede_requests_total counter\n"
                      "stampede_requests_total{campaign=\"say \\\"hi\\\"\\\\\",run=\"4\"} 12\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("step=\"GET /a\\nb\"} 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE stampede_latency_p99_seconds gauge\n"), std::string::npos);
  EXPECT_NE(text.find("} 0.025\n"), std::string::npos) << text;
  EXPECT_NE(text.find("stampede_users{"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

TEST(InfluxDb, ALineASecondForEachLabelSetEscaped) {
  const auto l = layout();
  auto r = make_record(second_of(l), l, 1'700'000'000'000);
  r.campaign = "my shop";
  r.run_id = 9;
  const auto text = line_protocol(r);
  EXPECT_NE(text.find("stampede,campaign=my\\ shop,run=9 requests=5i,ok=4i,failed=1i,"
                      "latency_p50_ms=3.001,"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("stampede_step,campaign=my\\ shop,run=9,step=POST\\ /cart requests=1i,"
                      "ok=0i,failed=1i,latency_p50_ms="),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("stampede_status,campaign=my\\ shop,run=9,status=503 responses=1i "
                      "1700000003000\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("stampede_agent,campaign=my\\ shop,run=9,agent=a2 requests=2i"),
            std::string::npos);
}

TEST(RemoteWrite, ASamplePerSeriesLabelsSortedCountersAsTotals) {
  const auto l = layout();
  auto r = make_record(second_of(l), l, 1'700'000'000'000);
  r.campaign = "shop";
  r.run_id = 2;
  r.totals = {{"requests", "", "", 105, true}, {"step_requests", "step", "GET /", 64, true}};
  prometheus::WriteRequest req;
  ASSERT_TRUE(req.ParseFromString(write_request(r)));
  bool requests = false, step = false, p99 = false;
  for (const auto& ts : req.timeseries()) {
    ASSERT_EQ(ts.samples_size(), 1);
    EXPECT_EQ(ts.samples(0).timestamp(), 1'700'000'003'000);
    for (int i = 1; i < ts.labels_size(); ++i) {
      EXPECT_LT(ts.labels(i - 1).name(), ts.labels(i).name());
    }
    const auto& name = ts.labels(0).value();
    EXPECT_EQ(ts.labels(0).name(), "__name__");
    requests = requests || (name == "stampede_requests_total" && ts.samples(0).value() == 105);
    step = step || (name == "stampede_step_requests_total" && ts.labels_size() == 4 &&
                    ts.labels(3).name() == "step" && ts.labels(3).value() == "GET /");
    p99 = p99 || (name == "stampede_latency_p99_seconds" && ts.samples(0).value() > 0.04);
  }
  EXPECT_TRUE(requests && step && p99);
}

TEST(NameCleaner, OneRuleAndCollisionsMadeUniqueForTheRun) {
  name_cleaner clean("_-");
  EXPECT_EQ(clean("GET /cart"), "GET__cart");
  EXPECT_EQ(clean("GET_/cart"), "GET__cart_2");  // cleans alike: told apart
  EXPECT_EQ(clean("GET /cart"), "GET__cart");    // the same every time
  EXPECT_EQ(clean("ok-name_1"), "ok-name_1");
  EXPECT_EQ(clean(""), "_");
  EXPECT_EQ(clean("caf\xC3\xA9"), "caf__");
}

TEST(StatsD, CountersGaugesLabelsInNamesOrTagsPackedUnderTheLimit) {
  const auto l = layout();
  auto r = make_record(second_of(l), l, 1'700'000'000'000);
  r.campaign = "shop";
  r.run_id = 3;
  const auto plain = statsd_lines(false)(r);
  const auto has = [](const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  EXPECT_TRUE(has(plain, "stampede.requests:5|c"));
  EXPECT_TRUE(has(plain, "stampede.users:7|g"));
  EXPECT_TRUE(has(plain, "stampede.step_requests.POST__cart:1|c"));
  EXPECT_TRUE(has(plain, "stampede.responses.503:1|c"));
  const auto dog = statsd_lines(true)(r);
  EXPECT_TRUE(has(dog, "stampede.requests:5|c|#campaign:shop,run:3"));
  EXPECT_TRUE(has(dog, "stampede.step_requests:1|c|#campaign:shop,run:3,step:POST_/cart"));
  std::vector<std::string> many(500, "stampede.some_counter.label:123456|c");
  const auto datagrams = pack_datagrams(many, statsd_datagram_limit);
  std::size_t lines = 0;
  for (const auto& d : datagrams) {
    EXPECT_LE(d.size(), statsd_datagram_limit);
    lines += static_cast<std::size_t>(std::count(d.begin(), d.end(), '\n')) + 1;
  }
  EXPECT_EQ(lines, many.size());
  EXPECT_GT(datagrams.size(), 10u);
}

TEST(OpenTsdb, BatchesOfAtMostAThousandPointsTaggedAndCleaned) {
  metrics::metric_layout l;
  l.scenarios = {"s"};
  for (int i = 0; i < 400; ++i) {  // 3 points each without requests: 1,200 and more
    l.steps.push_back("GET /item/" + std::to_string(i) + " ?x");
  }
  engine::completed_interval c;
  c.merged = metrics::metric_set(l);
  auto r = make_record(c, l, 1'700'000'000'000);
  r.campaign = "my shop";
  name_cleaner tags("-_./");
  const auto batches = opentsdb_batches(r, tags);
  std::size_t n = 0;
  for (const auto& b : batches) {
    const auto j = nlohmann::json::parse(b);
    EXPECT_LE(j.size(), opentsdb_batch);
    n += j.size();
    for (const auto& p : j) {
      EXPECT_EQ(p["tags"]["campaign"], "my_shop");
      EXPECT_LE(p["tags"].size(), 8u);
      EXPECT_EQ(p["timestamp"], 1'700'000'000'000);
    }
  }
  EXPECT_EQ(n, points(r).size());
  EXPECT_GE(batches.size(), 2u);
  EXPECT_NE(batches[0].find("\"step\":\"GET_/item/0__x\""), std::string::npos);
}

TEST(Graphite, ALineASeriesTaggedInWholeSeconds) {
  const auto l = layout();
  auto r = make_record(second_of(l), l, 1'700'000'000'250);
  r.campaign = "shop";
  r.run_id = 5;
  name_cleaner tags("-_./:");
  const auto text = graphite_lines(r, tags);
  EXPECT_NE(text.find("stampede.requests;campaign=shop;run=5 5 1700000003\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("stampede.step_failed;campaign=shop;run=5;step=POST_/cart 1 1700000003\n"),
            std::string::npos);
}

TEST(HttpUrl, HostPortTargetAndNoCredentials) {
  const auto u = parse_http_url("http://127.0.0.1:8086?db=x");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8086);
  EXPECT_EQ(u.target, "/?db=x");
  EXPECT_EQ(parse_http_url("http://[::1]/api/put").host, "::1");
  EXPECT_EQ(parse_http_url("http://[::1]:4242/api/put").port, 4242);
  for (const char* bad : {"https://x", "http://", "http://u:p@h:1/", "http://h:0/", "h:80"}) {
    EXPECT_THROW(parse_http_url(bad), std::invalid_argument) << bad;
  }
}

/// A sink that takes `delay` for each second.
class slow_sink final : public queued_output {
 public:
  slow_sink(std::chrono::milliseconds delay, std::size_t capacity)
      : queued_output("slow", capacity), delay_(delay) {
    start();
  }
  ~slow_sink() override { finish(std::chrono::steady_clock::now()); }

 private:
  bool deliver(const second_record& r) override {
    if (r.index < 0) {
      throw std::runtime_error("refused");
    }
    std::this_thread::sleep_for(delay_);
    return true;
  }
  std::chrono::milliseconds delay_;
};

TEST(QueuedOutput, AFullQueueDropsTheNewSecondsAndNeverBlocks) {
  slow_sink sink(std::chrono::milliseconds(200), 2);
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    auto r = std::make_shared<second_record>();
    r->index = i;
    sink.offer(r);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(100));
  // One being delivered, two queued, seven dropped; a finish in time delivers the queued ones.
  sink.finish(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  const auto s = sink.stats();
  EXPECT_EQ(s.sent + s.dropped, 10u);
  EXPECT_GE(s.dropped, 7u);
  EXPECT_GE(s.sent, 1u);
}

TEST(QueuedOutput, FinishGivesUpAtItsDeadlineAndCountsFailures) {
  slow_sink sink(std::chrono::milliseconds(300), 10);
  for (int i = -1; i < 6; ++i) {
    auto r = std::make_shared<second_record>();
    r->index = i;
    sink.offer(r);
  }
  const auto began = std::chrono::steady_clock::now();
  sink.finish(began + std::chrono::milliseconds(500));
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(1000));
  const auto s = sink.stats();
  EXPECT_EQ(s.errors, 1u);  // the refused one
  EXPECT_EQ(s.sent + s.dropped, 7u);
  EXPECT_GE(s.dropped, 4u);
}

TEST(FileOutputs, OneLineASecondAndOneRowASecondPerSeries) {
  const auto l = layout();
  const auto dir = ::testing::TempDir();
  const auto jsonl = dir + "/o.jsonl", csv = dir + "/o.csv";
  {
    auto j = make_jsonl_output("jsonl", jsonl);
    auto c = make_csv_output("csv", csv);
    auto r = std::make_shared<second_record>(make_record(second_of(l), l, 1'700'000'000'000));
    r->campaign = "shop";
    j->offer(r);
    j->offer(r);
    c->offer(r);
    j->finish(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    c->finish(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    EXPECT_EQ(j->stats().sent, 2u);
  }
  std::ifstream in(jsonl);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(nlohmann::json::parse(line)["requests"], 5);
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  std::ifstream rows(csv);
  std::getline(rows, line);
  EXPECT_EQ(line, "t,metric,scenario,step,status,error,agent,monitor,value");
  bool found = false;
  while (std::getline(rows, line)) {
    found = found || line == "1700000003.000,step_failed,,POST /cart,,,,,1";
  }
  EXPECT_TRUE(found);
  EXPECT_THROW(make_jsonl_output("jsonl", dir + "/no/such/dir/o.jsonl"), std::runtime_error);
}

TEST(OutputSet, ATakenPortIsRefusedByName) {
  output_set first({parse_output_spec("prometheus=127.0.0.1:0")});
  ASSERT_EQ(first.descriptions().size(), 1u);
  const auto d = first.descriptions()[0];
  const auto address = d.substr(d.find("//") + 2, d.rfind("/metrics") - d.find("//") - 2);
  try {
    output_set second({parse_output_spec("prometheus=" + address)});
    FAIL() << "a second endpoint on " << address;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--out prometheus=" + address), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace stampede::outputs

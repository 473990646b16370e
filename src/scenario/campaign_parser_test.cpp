// SPDX-License-Identifier: Apache-2.0
#include "scenario/campaign_parser.hpp"

#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

namespace stampede::scenario {
namespace {

using namespace std::chrono_literals;

const char* const minimal = R"(target: http://127.0.0.1:8080
phases:
  - name: steady
    duration: 2s
    users: 5
scenarios:
  - name: slow
    flow:
      - get: /delay?ms=20
thresholds:
  - http.latency.p95 < 1ms
)";

campaign parse(const std::string& text) {
  return parse_campaign(text, "c.yaml", ".");
}

/// The exact error text for `text`, or "no error".
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const campaign_error& e) {
    return e.what();
  }
  return "no error";
}

/// The minimal campaign with `from` replaced by `to`.
std::string with(const std::string& from, const std::string& to) {
  std::string s = minimal;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(CampaignParser, MinimalCampaignAsWritten) {
  const auto c = parse(minimal);
  EXPECT_EQ(c.name, "c");
  EXPECT_EQ(c.target, "http://127.0.0.1:8080");
  ASSERT_EQ(c.phases.size(), 1u);
  EXPECT_EQ(c.phases[0].name, "steady");
  EXPECT_EQ(c.phases[0].length, std::chrono::nanoseconds(2s));
  const auto& closed = std::get<closed_model>(c.phases[0].model);
  EXPECT_EQ(closed.users, 5u);
  EXPECT_FALSE(closed.ramp);
  ASSERT_EQ(c.scenarios.size(), 1u);
  EXPECT_EQ(c.scenarios[0].name, "slow");
  EXPECT_EQ(c.scenarios[0].weight, 1u);
  const auto& step = std::get<request_step>(c.scenarios[0].flow.at(0));
  EXPECT_EQ(step.method, "GET");
  EXPECT_EQ(step.path.text(), "/delay?ms=20");
  EXPECT_EQ(step.name, "GET /delay");
  ASSERT_EQ(c.thresholds.size(), 1u);
  EXPECT_EQ(c.thresholds[0].metric, "http.latency.p95");
  EXPECT_EQ(c.thresholds[0].op, threshold::comparison::less);
  EXPECT_DOUBLE_EQ(c.thresholds[0].value, 1.0);
  EXPECT_EQ(c.thresholds[0].position.line, 11);
  EXPECT_EQ(c.source_text, minimal);
}

TEST(CampaignParser, FullFeaturedCampaign) {
  const auto c = parse(R"yaml(name: shop
target: https://shop.test:8443/
threads: 3
defaults:
  headers: {X-Env: load}
  connect_timeout: 2s
  request_timeout: 750ms
  insecure: true
phases:
  - {name: ramp, duration: 10s, users: 20, ramp: 5s, pace: 1s}
  - {name: open, duration: 30s, arrival_rate: 5.5, ramp_to: 50, max_users: 100}
  - {name: fixed, duration: 1m, rate: 1000, connections: 50}
  - {name: stepped, steps: [10, 20, 30], step_duration: 10s}
scenarios:
  - name: buy
    weight: 3
    flow:
      - post:
          url: /cart/{{item}}
          name: add to cart
          headers: {X-Token: "{{token}}"}
          json: {qty: 2, gift: false, note: "hi"}
          timeout: 1s
          checks:
            - status: 201
            - header: content-type
              equals: application/json
            - body_contains: ok
            - json: $.items[0].id
          capture:
            - json: $.token
              as: token
            - header: X-Request-Id
              as: rid
            - regex: "id=(\\w+)"
              as: id
      - think: {min: 100ms, max: 2s}
      - loop:
          count: 2
          flow:
            - think: 1s
            - delete: /cart
)yaml");
  EXPECT_EQ(c.name, "shop");
  EXPECT_EQ(c.target, "https://shop.test:8443");
  EXPECT_EQ(c.threads, 3u);
  EXPECT_TRUE(c.defaults_.insecure);
  EXPECT_EQ(c.defaults_.request_timeout, std::chrono::nanoseconds(750ms));
  ASSERT_EQ(c.defaults_.headers.size(), 1u);
  EXPECT_EQ(c.defaults_.headers[0].name, "X-Env");
  ASSERT_EQ(c.phases.size(), 4u);
  EXPECT_EQ(std::get<closed_model>(c.phases[0].model).pace, std::chrono::nanoseconds(1s));
  const auto& open = std::get<open_model>(c.phases[1].model);
  EXPECT_DOUBLE_EQ(open.arrival_rate, 5.5);
  EXPECT_EQ(open.ramp_to, 50.0);
  EXPECT_EQ(open.max_users, 100u);
  const auto& fixed = std::get<throughput_model>(c.phases[2].model);
  EXPECT_DOUBLE_EQ(fixed.rate, 1000);
  EXPECT_EQ(fixed.connections, 50u);
  EXPECT_EQ(c.phases[2].length, std::chrono::nanoseconds(60s));
  const auto& stepped = std::get<steps_model>(c.phases[3].model);
  EXPECT_EQ(stepped.users, (std::vector<std::uint64_t>{10, 20, 30}));
  EXPECT_EQ(c.phases[3].length, std::chrono::nanoseconds(30s));

  const auto& flow = c.scenarios.at(0).flow;
  EXPECT_EQ(c.scenarios[0].weight, 3u);
  const auto& post = std::get<request_step>(flow.at(0));
  EXPECT_EQ(post.name, "add to cart");
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.path.variables(), std::vector<std::string>{"item"});
  EXPECT_TRUE(post.body_is_json);
  EXPECT_EQ(post.body->text(), R"({"gift":false,"note":"hi","qty":2})");
  EXPECT_EQ(post.timeout, std::chrono::nanoseconds(1s));
  ASSERT_EQ(post.checks.size(), 4u);
  EXPECT_EQ(post.checks[0].description, "status == 201");
  EXPECT_EQ(post.checks[1].description, "header content-type == application/json");
  EXPECT_EQ(post.checks[2].description, "body contains 'ok'");
  EXPECT_EQ(post.checks[3].description, "json $.items[0].id exists");
  ASSERT_EQ(post.captures.size(), 3u);
  EXPECT_EQ(post.captures[2].from, capture::kind::regex);
  EXPECT_EQ(post.captures[2].expression, "id=(\\w+)");
  const auto& think = std::get<think_step>(flow.at(1));
  EXPECT_EQ(think.min, std::chrono::nanoseconds(100ms));
  EXPECT_EQ(think.max, std::chrono::nanoseconds(2s));
  const auto& loop = std::get<loop_step>(flow.at(2));
  EXPECT_EQ(loop.count, 2u);
  EXPECT_EQ(std::get<request_step>(loop.flow.at(1)).name, "DELETE /cart");
}

TEST(CampaignParser, ErrorsNameFileLineAndField) {
  EXPECT_EQ(error_of(with("    users: 5", "    usres: 5")),
            "c.yaml:5: phases[0].usres: unknown field 'usres'; did you mean 'users'?");
  EXPECT_EQ(error_of(with("    users: 5", "    users: five")),
            "c.yaml:5: phases[0].users: expected a positive integer, got 'five'");
  EXPECT_EQ(error_of(with("    users: 5", "    users: 0")),
            "c.yaml:5: phases[0].users: expected a positive integer, got '0'");
  EXPECT_EQ(error_of(with("duration: 2s", "duration: 2 seconds")),
            "c.yaml:4: phases[0].duration: expected a duration like 500ms, 30s, 5m or 1h, got "
            "'2 seconds'");
  EXPECT_EQ(error_of(with("    users: 5", "    users: 5\n    rate: 10")),
            "c.yaml:6: phases[0].rate: 'rate' belongs to a constant throughput phase, but "
            "'users' makes this a closed phase");
  EXPECT_EQ(error_of(with("    users: 5", "    arrival_rate: 10\n    max_users: 0")),
            "c.yaml:6: phases[0].max_users: expected a positive integer, got '0'");
  EXPECT_EQ(error_of(with("    users: 5", "    rate: 10")),
            "c.yaml:3: phases[0].connections: missing: how many connections carry the rate");
  EXPECT_EQ(error_of(with("    users: 5", "    users: 5\n    ramp: 3s")),
            "c.yaml:6: phases[0].ramp: must not be longer than the phase's duration");
  EXPECT_EQ(error_of(with("    users: 5", "    users: 5\n    iterations: 10")),
            "c.yaml:6: phases[0].iterations: unknown field 'iterations'");
  EXPECT_EQ(error_of(with("target: http://127.0.0.1:8080", "target: 127.0.0.1:8080")),
            "c.yaml:1: target: expected a URL like http://host:port/path, got '127.0.0.1:8080'");
  EXPECT_EQ(error_of(with("target: http://127.0.0.1:8080", "target: http://h/api")),
            "c.yaml:1: target: must be scheme://host:port only; put paths in the steps (got path "
            "'/api')");
  EXPECT_EQ(error_of(with("      - get: /delay?ms=20", "      - get: delay")),
            "c.yaml:9: scenarios[0].flow[0].get: expected a path starting with '/', got 'delay'");
  EXPECT_EQ(error_of(with("      - get: /delay?ms=20", "      - fetch: /x")),
            "c.yaml:9: scenarios[0].flow[0].fetch: unknown field 'fetch'; did you mean 'patch'?");
  EXPECT_EQ(error_of(with("      - get: /delay?ms=20", "      - get: /x\n        think: 1s")),
            "c.yaml:9: scenarios[0].flow[0]: a step is exactly one of "
            "get/post/put/patch/delete/head/options, think or loop; put request options under "
            "the method (e.g. get: {url: /x, headers: ...})");
  EXPECT_EQ(error_of(with("  - http.latency.p95 < 1ms", "  - http.latency.p42 < 1ms")),
            "c.yaml:11: thresholds[0]: unknown metric 'http.latency.p42' (known: "
            "http.latency.<stat>, http.ttfb.<stat>, http.connect.<stat> with <stat> one of min "
            "mean p50 p90 p95 p99 p999 max; http.error_rate, checks.rate, http.requests, "
            "http.rps, iterations.dropped)");
  EXPECT_EQ(error_of(with("    users: 5",
                          "    users: 5\n  - name: steady\n    duration: 1s\n    "
                          "users: 1")),
            "c.yaml:6: phases[1].name: duplicate phase name 'steady'");
  EXPECT_EQ(error_of("target: http://h:1\nphases: [\n"),
            "c.yaml:3: (syntax): end of sequence flow not found");
  EXPECT_EQ(error_of(""), "c.yaml:1: (file): the campaign is empty");
  EXPECT_EQ(error_of("target: http://h:1\nscenarios: []\n"),
            "c.yaml:1: phases: missing: a list of load phases, e.g. - {name: steady, duration: "
            "30s, users: 10}");
}

TEST(CampaignParser, RequestOptionErrors) {
  const std::string base =
      "target: http://h:1\nphases: [{name: p, duration: 1s, users: 1}]\n"
      "scenarios:\n  - name: s\n    flow:\n      - post:\n";
  EXPECT_EQ(error_of(base + "          url: /x\n          body: a\n          json: {a: 1}\n"),
            "c.yaml:9: scenarios[0].flow[0].post.json: give either body or json, not both");
  EXPECT_EQ(error_of(base + "          url: /x\n          checks:\n            - json: items\n"),
            "c.yaml:9: scenarios[0].flow[0].post.checks[0].json: invalid JSON path 'items' "
            "(expected e.g. $.items[0].id)");
  EXPECT_EQ(
      error_of(base + "          url: /x\n          capture:\n            - regex: \"(\"\n"
                      "              as: x\n"),
      std::string("c.yaml:9: scenarios[0].flow[0].post.capture[0].regex: invalid regular "
                  "expression: ") +
          [] {
            try {
              std::regex re("(");
            } catch (const std::regex_error& e) {
              return std::string(e.what());
            }
            return std::string();
          }());
  EXPECT_EQ(error_of(base + "          url: /x\n          checks:\n            - status: 200\n"
                            "              body_contains: x\n"),
            "c.yaml:9: scenarios[0].flow[0].post.checks[0]: a check is exactly one of status, "
            "header, body_contains or json");
  EXPECT_EQ(error_of(base + "          headers: {A: b}\n"),
            "c.yaml:7: scenarios[0].flow[0].post.url: missing: the path to request, e.g. url: "
            "/items");
}

TEST(Thresholds, ParsesUnitsAndPercentages) {
  using cmp = threshold::comparison;
  auto t = parse_threshold("http.latency.p99 <= 1.5s");
  EXPECT_EQ(t.op, cmp::less_equal);
  EXPECT_DOUBLE_EQ(t.value, 1500);
  EXPECT_DOUBLE_EQ(parse_threshold("http.ttfb.max<800us").value, 0.8);
  EXPECT_DOUBLE_EQ(parse_threshold("http.connect.mean < 20").value, 20);
  t = parse_threshold("http.error_rate < 1%");
  EXPECT_DOUBLE_EQ(t.value, 0.01);
  EXPECT_DOUBLE_EQ(parse_threshold("checks.rate >= 0.99").value, 0.99);
  EXPECT_EQ(parse_threshold("http.requests == 100").op, cmp::equal);
  EXPECT_EQ(parse_threshold("http.rps > 50").op, cmp::greater);
  EXPECT_THROW(parse_threshold("http.latency.p95"), std::invalid_argument);
  EXPECT_THROW(parse_threshold("http.latency.p95 < fast"), std::invalid_argument);
  EXPECT_THROW(parse_threshold("http.error_rate < lots"), std::invalid_argument);
  EXPECT_THROW(parse_threshold("cpu < 50"), std::invalid_argument);
}

TEST(Csv, QuotesCrlfAndRaggedRows) {
  const auto f = parse_csv(
      "user,pass\r\nalice,\"a,b\"\r\n\"bo\"\"b\",x\r\n\r\ncarol,\"multi\nline\"\n", "u.csv");
  EXPECT_EQ(f.columns, (std::vector<std::string>{"user", "pass"}));
  ASSERT_EQ(f.rows.size(), 3u);
  EXPECT_EQ(f.rows[0][1], "a,b");
  EXPECT_EQ(f.rows[1][0], "bo\"b");
  EXPECT_EQ(f.rows[2][1], "multi\nline");
  try {
    parse_csv("a,b\n1,2\n3\n", "u.csv");
    FAIL();
  } catch (const campaign_error& e) {
    EXPECT_EQ(std::string(e.what()), "u.csv:3: data: expected 2 fields like the header, got 1");
  }
  EXPECT_THROW(parse_csv("", "u.csv"), campaign_error);
  EXPECT_THROW(parse_csv("a,b\n", "u.csv"), campaign_error);
  EXPECT_THROW(parse_csv("a\n\"open\n", "u.csv"), campaign_error);
}

TEST(CampaignFiles, EveryExampleParses) {
  const auto examples = std::filesystem::path(__FILE__).parent_path() / "../../examples";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(examples)) {
    if (entry.path().extension() == ".yaml") {
      EXPECT_NO_THROW(load_campaign_file(entry.path().string())) << entry.path();
      ++seen;
    }
  }
  EXPECT_GE(seen, 3);
  const auto feeder = load_campaign_file((examples / "feeder.yaml").string());
  ASSERT_TRUE(feeder.data);
  EXPECT_EQ(feeder.data->columns, (std::vector<std::string>{"user", "password", "note"}));
  EXPECT_EQ(feeder.data->rows.at(0).at(1), "s3cret, with comma");
}

TEST(CampaignFiles, UnreadableFile) {
  try {
    load_campaign_file("/no/such/campaign.yaml");
    FAIL();
  } catch (const campaign_error& e) {
    EXPECT_EQ(std::string(e.what()), "/no/such/campaign.yaml:0: (file): cannot read the file");
  }
}

}  // namespace
}  // namespace stampede::scenario

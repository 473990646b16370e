// SPDX-License-Identifier: Apache-2.0
// The campaign model read from YAML: top-level fields, target, defaults, thresholds and data
// feeders, and their errors (phases: campaign_phases_test.cpp).
#include "scenario/campaign_parser.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "scenario/campaign_test_support.hpp"
#include "scenario/campaign_warnings.hpp"

namespace stampede::scenario {
namespace {

using namespace test;

TEST(CampaignParser, MinimalCampaignAsWritten) {
  const auto c = parse(minimal);
  EXPECT_EQ(c.name, "c");
  EXPECT_EQ(c.target, "http://127.0.0.1:8080");
  EXPECT_FALSE(c.threads);
  EXPECT_FALSE(c.data);
  EXPECT_TRUE(c.defaults_.headers.empty());
  EXPECT_EQ(c.defaults_.connect_timeout, nanoseconds(10s));
  EXPECT_EQ(c.defaults_.request_timeout, nanoseconds(30s));
  EXPECT_FALSE(c.defaults_.insecure);

  ASSERT_EQ(c.phases.size(), 1u);
  EXPECT_EQ(c.phases[0].name, "steady");
  EXPECT_EQ(c.phases[0].length, nanoseconds(2s));
  EXPECT_EQ(c.phases[0].position.line, 3);
  EXPECT_EQ(c.phases[0].position.column, 5);
  const auto& closed = std::get<closed_model>(c.phases[0].model);
  EXPECT_EQ(closed.users, 5u);
  EXPECT_FALSE(closed.ramp);
  EXPECT_FALSE(closed.pace);
  EXPECT_FALSE(closed.iterations);
  EXPECT_FALSE(closed.total_iterations);

  ASSERT_EQ(c.scenarios.size(), 1u);
  EXPECT_EQ(c.scenarios[0].name, "slow");
  EXPECT_EQ(c.scenarios[0].weight, 1u);
  ASSERT_EQ(c.scenarios[0].flow.size(), 1u);
  const auto& step = std::get<request_step>(c.scenarios[0].flow[0]);
  EXPECT_EQ(step.method, "GET");
  EXPECT_EQ(step.path.text(), "/delay?ms=20");
  EXPECT_TRUE(step.path.is_literal());
  EXPECT_EQ(step.name, "GET /delay");
  EXPECT_TRUE(step.headers.empty());
  EXPECT_FALSE(step.body);
  EXPECT_FALSE(step.body_is_json);
  EXPECT_TRUE(step.checks.empty());
  EXPECT_TRUE(step.captures.empty());
  EXPECT_FALSE(step.timeout);
  EXPECT_EQ(step.position.line, 9);

  ASSERT_EQ(c.thresholds.size(), 1u);
  EXPECT_EQ(c.thresholds[0].expression, "http.latency.p95 < 1ms");
  EXPECT_EQ(c.thresholds[0].metric, "http.latency.p95");
  EXPECT_EQ(c.thresholds[0].op, threshold::comparison::less);
  EXPECT_DOUBLE_EQ(c.thresholds[0].value, 1.0);
  EXPECT_EQ(c.thresholds[0].position.line, 11);
  EXPECT_EQ(c.thresholds[0].position.column, 5);

  EXPECT_EQ(c.source_text, minimal);
  EXPECT_EQ(c.source_file, "c.yaml");
}

TEST(CampaignParser, FullFeaturedCampaign) {
  const auto c = parse(R"yaml(name: shop
target: https://shop.test:8443/
threads: 3
defaults:
  headers: {X-Env: load, Accept: application/json}
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
          url: /cart/{{item}}?gift=1
          name: add to cart
          headers: {X-Token: "{{token}}"}
          json: {qty: 2, gift: false, note: "hi", who: "{{user}}", tags: [a, "1"], none: null}
          timeout: 1s
          checks:
            - status: 201
            - header: content-type
              equals: application/json
            - header: x-request-id
            - body_contains: ok
            - json: $.items[0].id
            - json: $['a key'].b
              equals: "7"
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
            - put: {url: /cart, body: "raw {{id}}"}
  - name: look
    flow:
      - head: {url: /, capture: [{json: $.item, as: item}, {json: $.user, as: user}]}
      - options: /
      - patch: /x
)yaml");
  EXPECT_EQ(c.name, "shop");
  EXPECT_EQ(c.target, "https://shop.test:8443");
  EXPECT_EQ(c.threads, 3u);
  EXPECT_TRUE(c.defaults_.insecure);
  EXPECT_EQ(c.defaults_.connect_timeout, nanoseconds(2s));
  EXPECT_EQ(c.defaults_.request_timeout, nanoseconds(750ms));
  ASSERT_EQ(c.defaults_.headers.size(), 2u);
  EXPECT_EQ(c.defaults_.headers[0].name, "X-Env");
  EXPECT_EQ(c.defaults_.headers[0].value.text(), "load");
  EXPECT_EQ(c.defaults_.headers[1].name, "Accept");

  ASSERT_EQ(c.phases.size(), 4u);
  const auto& closed = std::get<closed_model>(c.phases[0].model);
  EXPECT_EQ(closed.users, 20u);
  EXPECT_EQ(closed.ramp, nanoseconds(5s));
  EXPECT_EQ(closed.pace, nanoseconds(1s));
  const auto& open = std::get<open_model>(c.phases[1].model);
  EXPECT_DOUBLE_EQ(open.arrival_rate, 5.5);
  EXPECT_EQ(open.ramp_to, 50.0);
  EXPECT_EQ(open.max_users, 100u);
  const auto& fixed = std::get<throughput_model>(c.phases[2].model);
  EXPECT_DOUBLE_EQ(fixed.rate, 1000);
  EXPECT_EQ(fixed.connections, 50u);
  EXPECT_EQ(c.phases[2].length, nanoseconds(60s));
  const auto& stepped = std::get<steps_model>(c.phases[3].model);
  EXPECT_EQ(stepped.users, (std::vector<std::uint64_t>{10, 20, 30}));
  EXPECT_EQ(stepped.step_duration, nanoseconds(10s));
  EXPECT_EQ(c.phases[3].length, nanoseconds(30s));

  ASSERT_EQ(c.scenarios.size(), 2u);
  EXPECT_EQ(c.scenarios[0].weight, 3u);
  EXPECT_EQ(c.scenarios[1].weight, 1u);
  const auto& flow = c.scenarios[0].flow;
  ASSERT_EQ(flow.size(), 3u);
  const auto& post = std::get<request_step>(flow[0]);
  EXPECT_EQ(post.name, "add to cart");
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.path.text(), "/cart/{{item}}?gift=1");
  EXPECT_EQ(post.path.variables(), std::vector<std::string>{"item"});
  ASSERT_EQ(post.headers.size(), 1u);
  EXPECT_EQ(post.headers[0].value.variables(), std::vector<std::string>{"token"});
  EXPECT_TRUE(post.body_is_json);
  // Keys keep the file's order; quoted scalars stay strings.
  EXPECT_EQ(post.body->text(),
            R"({"qty":2,"gift":false,"note":"hi","who":"{{user}}","tags":["a","1"],"none":null})");
  EXPECT_EQ(post.body->variables(), std::vector<std::string>{"user"});
  EXPECT_EQ(post.timeout, nanoseconds(1s));

  ASSERT_EQ(post.checks.size(), 6u);
  EXPECT_EQ(post.checks[0].what, check::kind::status);
  EXPECT_EQ(post.checks[0].expected->text(), "201");
  EXPECT_EQ(post.checks[0].description, "status == 201");
  EXPECT_EQ(post.checks[1].what, check::kind::header);
  EXPECT_EQ(post.checks[1].subject, "content-type");
  EXPECT_EQ(post.checks[1].description, "header content-type == application/json");
  EXPECT_FALSE(post.checks[2].expected);
  EXPECT_EQ(post.checks[2].description, "header x-request-id exists");
  EXPECT_EQ(post.checks[3].what, check::kind::body_contains);
  EXPECT_EQ(post.checks[3].expected->text(), "ok");
  EXPECT_EQ(post.checks[3].description, "body contains 'ok'");
  EXPECT_EQ(post.checks[4].what, check::kind::json_path);
  EXPECT_EQ(post.checks[4].subject, "$.items[0].id");
  EXPECT_EQ(post.checks[4].description, "json $.items[0].id exists");
  EXPECT_EQ(post.checks[5].description, "json $['a key'].b == 7");

  ASSERT_EQ(post.captures.size(), 3u);
  EXPECT_EQ(post.captures[0].from, capture::kind::json_path);
  EXPECT_EQ(post.captures[0].expression, "$.token");
  EXPECT_EQ(post.captures[0].variable, "token");
  EXPECT_EQ(post.captures[1].from, capture::kind::header);
  EXPECT_EQ(post.captures[1].expression, "X-Request-Id");
  EXPECT_EQ(post.captures[1].variable, "rid");
  EXPECT_EQ(post.captures[2].from, capture::kind::regex);
  EXPECT_EQ(post.captures[2].expression, "id=(\\w+)");
  EXPECT_EQ(post.captures[2].variable, "id");

  const auto& think = std::get<think_step>(flow[1]);
  EXPECT_EQ(think.min, nanoseconds(100ms));
  EXPECT_EQ(think.max, nanoseconds(2s));
  const auto& loop = std::get<loop_step>(flow[2]);
  EXPECT_EQ(loop.count, 2u);
  ASSERT_EQ(loop.flow.size(), 3u);
  EXPECT_EQ(std::get<think_step>(loop.flow[0]).min, nanoseconds(1s));
  EXPECT_EQ(std::get<think_step>(loop.flow[0]).max, nanoseconds(1s));
  EXPECT_EQ(std::get<request_step>(loop.flow[1]).name, "DELETE /cart");
  const auto& put = std::get<request_step>(loop.flow[2]);
  EXPECT_EQ(put.name, "PUT /cart");
  EXPECT_EQ(put.body->text(), "raw {{id}}");
  EXPECT_FALSE(put.body_is_json);

  const auto& look = c.scenarios[1].flow;
  EXPECT_EQ(std::get<request_step>(look.at(0)).method, "HEAD");
  EXPECT_EQ(std::get<request_step>(look.at(1)).method, "OPTIONS");
  EXPECT_EQ(std::get<request_step>(look.at(2)).name, "PATCH /x");
}

TEST(CampaignParser, NameDefaultsToTheFileStem) {
  EXPECT_EQ(parse_campaign(minimal, "some/dir/shop.load.yaml", ".").name, "shop.load");
  EXPECT_EQ(parse(with("target:", "name: nightly\ntarget:")).name, "nightly");
}

TEST(CampaignParser, TopLevelErrors) {
  EXPECT_EQ(error_of(""), "c.yaml:1: (file): the campaign is empty");
  EXPECT_EQ(error_of("# only a comment\n"), "c.yaml:1: (file): the campaign is empty");
  EXPECT_EQ(error_of("- a\n- b\n"), "c.yaml:1: (file): expected a mapping of fields, got a list");
  EXPECT_EQ(error_of("target: http://h:1\nphases: [\n"),
            "c.yaml:3: (syntax): end of sequence flow not found");
  EXPECT_EQ(error_of("target: http://h:1\nx: {url: /a?b=1}\n"),
            "c.yaml:2: (syntax): unknown token (inside {...}, quote a value holding '?', e.g. "
            "{url: \"/sse?channel=news\"})");
  EXPECT_EQ(error_of(std::string(minimal) + "---\ntarget: http://other:1\n"),
            "c.yaml:13: (file): a campaign file holds one YAML document; a second one starts here");
  EXPECT_EQ(error_of(with("target:", "tagret: x\ntarget:")),
            "c.yaml:1: tagret: unknown field 'tagret'; did you mean 'target'?");
  EXPECT_EQ(error_of(with("target:", "x: 1\ntarget:")), "c.yaml:1: x: unknown field 'x'");
  EXPECT_EQ(error_of(with("target: http://127.0.0.1:8080\n", "")),
            "c.yaml:1: target: missing: the base URL to load, e.g. target: http://127.0.0.1:8080");
  EXPECT_EQ(error_of(with("thresholds:", "phases: []\nthresholds:")),
            "c.yaml:10: phases: given twice (first on line 2)");
  EXPECT_EQ(error_of(with("target:", "name: ''\ntarget:")), "c.yaml:1: name: must not be empty");
  EXPECT_EQ(error_of(with("target:", "threads: 0\ntarget:")),
            "c.yaml:1: threads: expected a positive integer, got '0'");
  EXPECT_EQ(error_of(with("target:", "threads: 5000\ntarget:")),
            "c.yaml:1: threads: expected at most 1024, got 5000");
}

TEST(CampaignParser, AgentLossPolicy) {
  EXPECT_EQ(parse(minimal).on_agent_loss, agent_loss_policy::rebalance);
  EXPECT_EQ(parse(with("target:", "on_agent_loss: continue\ntarget:")).on_agent_loss,
            agent_loss_policy::continue_);
  EXPECT_EQ(parse(with("target:", "on_agent_loss: abort\ntarget:")).on_agent_loss,
            agent_loss_policy::abort);
  EXPECT_EQ(parse(with("target:", "on_agent_loss: rebalance\ntarget:")).on_agent_loss,
            agent_loss_policy::rebalance);
  EXPECT_EQ(error_of(with("target:", "on_agent_loss: retry\ntarget:")),
            "c.yaml:1: on_agent_loss: expected rebalance, continue or abort, got 'retry'");
  EXPECT_EQ(error_of(with("target:", "on_agent_los: abort\ntarget:")),
            "c.yaml:1: on_agent_los: unknown field 'on_agent_los'; did you mean 'on_agent_loss'?");
}

TEST(CampaignParser, RunParametersAreWrittenIntoTheCampaign) {
  const run_parameters params({{"BASE", "http://127.0.0.1:9"}, {"TOKEN", "s3cret"}}, false);
  const std::string text =
      "target: \"{{env.BASE}}\"\n"
      "defaults: {headers: {Authorization: \"Bearer {{env.TOKEN}}\"}}\n"
      "phases: [{name: p, duration: 1s, users: 1}]\n"
      "scenarios:\n"
      "  - name: s\n"
      "    flow:\n"
      "      - post: {url: \"/echo?t={{env.TOKEN}}\", body: \"{{env.TOKEN}} {{id}}\",\n"
      "               capture: [{json: $.id, as: id}]}\n";
  const auto c = parse_campaign(text, "c.yaml", ".", true, params);
  EXPECT_EQ(c.target, "http://127.0.0.1:9");
  EXPECT_TRUE(c.defaults_.headers[0].value.is_literal());
  EXPECT_EQ(c.defaults_.headers[0].value.text(), "Bearer s3cret");
  const auto& post = std::get<request_step>(c.scenarios[0].flow[0]);
  EXPECT_EQ(post.path.text(), "/echo?t=s3cret");
  EXPECT_EQ(post.body->text(), "s3cret {{id}}");
  EXPECT_EQ(post.body->variables(), (std::vector<std::string>{"id"}));
  // What the run stores is the file as written: the values are not in it.
  EXPECT_EQ(c.source_text.find("s3cret"), std::string::npos);

  // A parameter not given is an error at its field.
  const run_parameters none({}, false);
  try {
    parse_campaign(text, "c.yaml", ".", true, none);
    ADD_FAILURE() << "no error";
  } catch (const campaign_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "c.yaml:1: target: {{env.BASE}} is not given: pass -e BASE=VALUE, or set BASE in "
              "the environment\n"
              "c.yaml:2: defaults.headers.Authorization: {{env.TOKEN}} is not given: pass -e "
              "TOKEN=VALUE, or set TOKEN in the environment\n"
              "c.yaml:7: scenarios[0].flow[0].post.body: {{env.TOKEN}} is not given: pass -e "
              "TOKEN=VALUE, or set TOKEN in the environment");
  }
  const run_parameters base_only({{"BASE", "http://h:1"}}, false);
  try {
    parse_campaign(text, "c.yaml", ".", true, base_only);
    ADD_FAILURE() << "no error";
  } catch (const campaign_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "c.yaml:2: defaults.headers.Authorization: {{env.TOKEN}} is not given: pass -e "
              "TOKEN=VALUE, or set TOKEN in the environment\n"
              "c.yaml:7: scenarios[0].flow[0].post.body: {{env.TOKEN}} is not given: pass -e "
              "TOKEN=VALUE, or set TOKEN in the environment");
  }

  // A value with a line break cannot add a header.
  const run_parameters injected({{"BASE", "http://h:1"}, {"TOKEN", "x\r\nInjected: yes"}}, false);
  try {
    parse_campaign(text, "c.yaml", ".", true, injected);
    ADD_FAILURE() << "no error";
  } catch (const campaign_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "c.yaml:2: defaults.headers.Authorization: a header value cannot contain line "
              "breaks (from a run parameter)");
  }

  // --target replaces the file's (which may then be left out), and is checked as one.
  run_parameters target({{"TOKEN", "x"}}, false);
  target.target = "http://127.0.0.1:7/";
  EXPECT_EQ(parse_campaign(text, "c.yaml", ".", true, target).target, "http://127.0.0.1:7");
  target.target = "http://127.0.0.1:7/path";
  EXPECT_THROW(parse_campaign(text, "c.yaml", ".", true, target), std::invalid_argument);
}

TEST(CampaignParser, YamlSyntaxErrorsSayWhatUsuallyFixesThem) {
  EXPECT_EQ(error_of("target: http://h:1\nphases:\n\t- {name: p, duration: 1s, users: 1}\n"),
            "c.yaml:3: (syntax): illegal block entry (line 3 is indented with a tab: YAML indents "
            "with spaces only)");
  EXPECT_EQ(error_of("target: http://h:1\nphases:\n  - name: p\n     duration: 1s\n"),
            "c.yaml:4: (syntax): illegal map value (check the indentation of line 4 against the "
            "lines above: the fields of one mapping, and the items of one list, start in the same "
            "column)");
  EXPECT_EQ(error_of(with("phases:", "defaults:\n  headers:\n    X-Token: {{token}}\nphases:")),
            "c.yaml:4: defaults.headers.X-Token: expected text, got a mapping: quote a value that "
            "starts with {{, e.g. \"{{token}}\"");
}

TEST(CampaignWarnings, ThinkInAConstantThroughputPhase) {
  const std::string text =
      "target: http://h:1\n"
      "phases:\n"
      "  - {name: warm, duration: 1s, users: 2}\n"
      "  - {name: paced, duration: 1s, rate: 100, connections: 4}\n"
      "scenarios:\n"
      "  - {name: quick, flow: [get: /]}\n"
      "  - {name: slow, flow: [get: /, {loop: {count: 2, flow: [think: 1s]}}]}\n";
  EXPECT_EQ(
      campaign_warnings(parse(text)),
      (std::vector<std::string>{
          "c.yaml:4: phases[1]: warning: 'paced' is a constant throughput phase (100/s over 4 "
          "connections) and scenario 'slow' thinks between requests: each think holds a "
          "connection idle, so sends fall behind the rate; drop the think or add "
          "connections"}));
  EXPECT_TRUE(campaign_warnings(parse(minimal)).empty());
}

TEST(CampaignParser, TargetErrors) {
  auto target = [](const std::string& url) {
    return error_of(with("target: http://127.0.0.1:8080", "target: " + url));
  };
  EXPECT_EQ(target("127.0.0.1:8080"),
            "c.yaml:1: target: expected a URL like http://host:port, got '127.0.0.1:8080'");
  EXPECT_EQ(
      target("ftp://h"),
      "c.yaml:1: target: unsupported scheme 'ftp' (use http, https, h2c for HTTP/2 with prior "
      "knowledge, or h2 for HTTP/2 over TLS), got 'ftp://h'");
  EXPECT_EQ(target("http://:80"), "c.yaml:1: target: missing host, got 'http://:80'");
  EXPECT_EQ(target("http://h:99999"),
            "c.yaml:1: target: invalid port '99999', got 'http://h:99999'");
  EXPECT_EQ(target("http://h/api"),
            "c.yaml:1: target: must be scheme://host[:port] only; paths go in the steps (got "
            "'/api')");
  EXPECT_EQ(target("http://h?x=1"),
            "c.yaml:1: target: must be scheme://host[:port] only; paths go in the steps (got "
            "'/?x=1')");
  EXPECT_EQ(target("'http://h/#top'"),
            "c.yaml:1: target: a URL cannot contain spaces or '#', got 'http://h/#top'");
  EXPECT_EQ(target("[http://h]"), "c.yaml:1: target: expected text, got a list");
  EXPECT_EQ(parse(with("http://127.0.0.1:8080", "HTTPS://[::1]:8443/")).target,
            "HTTPS://[::1]:8443");
}

TEST(CampaignParser, DefaultsErrors) {
  auto defaults = [](const std::string& lines) {
    return error_of(with("phases:", "defaults:\n" + lines + "phases:"));
  };
  EXPECT_EQ(defaults("  insecur: true\n"),
            "c.yaml:3: defaults.insecur: unknown field 'insecur'; did you mean 'insecure'?");
  EXPECT_EQ(defaults("  insecure: maybe\n"),
            "c.yaml:3: defaults.insecure: expected true or false, got 'maybe'");
  EXPECT_EQ(defaults("  request_timeout: 0s\n"),
            "c.yaml:3: defaults.request_timeout: expected a duration longer than 0, got '0s'");
  EXPECT_EQ(defaults("  connect_timeout: soon\n"),
            "c.yaml:3: defaults.connect_timeout: expected a duration like 500ms, 30s, 5m or 1h, "
            "got 'soon'");
  EXPECT_EQ(defaults("  headers:\n    Bad Name: x\n"),
            "c.yaml:4: defaults.headers.Bad Name: invalid header name 'Bad Name'");
  EXPECT_EQ(defaults("  headers:\n    X-A: [1, 2]\n"),
            "c.yaml:4: defaults.headers.X-A: expected text, got a list");
  EXPECT_EQ(defaults("  headers:\n    X-A: a\n    x-a: b\n"),
            "c.yaml:5: defaults.headers.x-a: given twice (header names are case-insensitive)");
  EXPECT_EQ(defaults("  headers: [X-A]\n"),
            "c.yaml:3: defaults.headers: expected a mapping of fields, got a list");
}

TEST(CampaignParser, ThresholdErrors) {
  EXPECT_EQ(error_of(with("  - http.latency.p95 < 1ms", "  - http.latency.p42 < 1ms")),
            "c.yaml:11: thresholds[0]: unknown metric 'http.latency.p42'; did you mean "
            "'http.latency.p50'? (known: "
            "http.latency.<stat>, http.ttfb.<stat>, http.connect.<stat>, ws.rtt.<stat>, "
            "ws.handshake.<stat>, push.latency.<stat> with <stat> one of min mean p50 p90 p95 "
            "p99 p999 max; "
            "http.error_rate, checks.rate, http.requests, http.rps, iterations.dropped, push.lost, "
            "push.duplicated, push.out_of_order, connections.established, connections.held, "
            "connections.failed, connections.dropped; sut.NAME.cpu.max and the other values "
            "of a monitor, docs/monitor.md)");
  EXPECT_EQ(error_of(with("  - http.latency.p95 < 1ms",
                          "  - http.error_rate < 1%\n  - http.latency.p95 < fast")),
            "c.yaml:12: thresholds[1]: expected a latency like 200ms, 1.5s or 800us (a bare "
            "number is milliseconds), got 'fast'");
  EXPECT_EQ(error_of(with("  - http.latency.p95 < 1ms", "  - {p95: 1ms}")),
            "c.yaml:11: thresholds[0].p95: unknown field 'p95'");
  EXPECT_EQ(error_of(with("  - http.latency.p95 < 1ms", "  - [http.rps > 1]")),
            "c.yaml:11: thresholds[0]: expected text, got a list");
  EXPECT_EQ(error_of(with("thresholds:\n  - http.latency.p95 < 1ms", "thresholds: p95 < 1ms")),
            "c.yaml:10: thresholds: expected a list, got 'p95 < 1ms'");
}

TEST(CampaignParser, DataFeeder) {
  const temp_dir dir;
  dir.write("users.csv", "user,password\nalice,\"a,b\"\nbob,x\n");
  const auto file =
      dir.write("c.yaml", with("phases:", "data:\n  file: users.csv\n  order: random\nphases:"));
  const auto c = load_campaign_file(file);
  ASSERT_TRUE(c.data);
  EXPECT_EQ(c.data->file, dir.path() + "/users.csv");
  EXPECT_EQ(c.data->columns, (std::vector<std::string>{"user", "password"}));
  ASSERT_EQ(c.data->rows.size(), 2u);
  EXPECT_EQ(c.data->rows[0][1], "a,b");
  EXPECT_TRUE(c.data->random_order);

  // Without loading, the fields are still checked but the file is not read.
  const auto unread =
      parse_campaign(with("phases:", "data:\n  file: elsewhere.csv\n  order: random\nphases:"),
                     "c.yaml", ".", false);
  ASSERT_TRUE(unread.data);
  EXPECT_EQ(unread.data->file, "elsewhere.csv");
  EXPECT_TRUE(unread.data->random_order);
  EXPECT_TRUE(unread.data->rows.empty());
}

TEST(CampaignParser, DataThatTravelsBesideTheCampaign) {
  const std::string text = std::string(minimal) + "data:\n  file: users.csv\n  order: random\n";
  const auto c = parse_campaign_with_data(text, "c.yaml", "user,pass\nann,1\nbob,2\n");
  ASSERT_TRUE(c.data);
  EXPECT_EQ(c.data->columns, (std::vector<std::string>{"user", "pass"}));
  EXPECT_EQ(c.data->rows.size(), 2u);
  EXPECT_TRUE(c.data->random_order);
  EXPECT_EQ(c.data->position.line, 13);
  // Without data, a campaign that needs none parses as usual.
  EXPECT_FALSE(parse_campaign_with_data(minimal, "c.yaml", "").data);
  try {
    parse_campaign_with_data(text, "c.yaml", "");
    FAIL() << "expected an error";
  } catch (const campaign_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "c.yaml:13: data.file: the CSV file users.csv did not come with the campaign; add "
              "the campaign again from where the file is");
  }
  EXPECT_THROW(parse_campaign_with_data(text, "c.yaml", "user,pass\nann\n"), campaign_error);
}

TEST(CampaignParser, DataFeederErrors) {
  const temp_dir dir;
  auto load = [&](const std::string& data) {
    try {
      load_campaign_file(dir.write("c.yaml", with("phases:", data + "phases:")));
    } catch (const campaign_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto c_yaml = dir.path() + "/c.yaml";
  EXPECT_EQ(load("data:\n  order: random\n"),
            c_yaml + ":3: data.file: missing: the CSV file to read");
  EXPECT_EQ(load("data:\n  file: users.csv\n  order: shuffled\n"),
            c_yaml + ":4: data.order: expected sequential or random, got 'shuffled'");
  EXPECT_EQ(load("data:\n  file: users.csv\n  ordre: random\n"),
            c_yaml + ":4: data.ordre: unknown field 'ordre'; did you mean 'order'?");
  EXPECT_EQ(load("data:\n  file: missing.csv\n"),
            c_yaml + ":3: data.file: cannot read '" + dir.path() + "/missing.csv'");
  EXPECT_EQ(load("data: users.csv\n"),
            c_yaml + ":2: data: expected a mapping of fields, got 'users.csv'");
  // An error inside the CSV file names the CSV file and its line.
  dir.write("ragged.csv", "a,b\n1,2\n3\n");
  EXPECT_EQ(load("data:\n  file: ragged.csv\n"),
            dir.path() + "/ragged.csv:3: data: expected 2 fields like the header row, got 1");
  dir.write("empty.csv", "");
  EXPECT_EQ(load("data:\n  file: empty.csv\n"),
            dir.path() +
                "/empty.csv:1: data: the CSV file is empty: expected a header row naming the "
                "columns");
}

TEST(CampaignParser, MonitorsOfTheSystemUnderTest) {
  const auto c = parse(std::string(minimal) +
                       "monitor:\n  - process: nginx\n  - {pid: 4242, name: db}\n"
                       "  - cgroup: /system.slice/app.service\n");
  ASSERT_EQ(c.monitors.size(), 3u);
  EXPECT_EQ(c.monitors[0].process, "nginx");
  EXPECT_EQ(c.monitors[0].line, 13);
  EXPECT_EQ(c.monitors[1].pid, 4242);
  EXPECT_EQ(c.monitors[1].name, "db");
  EXPECT_EQ(c.monitors[2].cgroup, "/system.slice/app.service");
  EXPECT_EQ(error_of(std::string(minimal) + "monitor:\n  - {pid: 1, process: x}\n"),
            "c.yaml:13: monitor[0]: expected one of pid, process or cgroup: what to watch");
  EXPECT_EQ(error_of(std::string(minimal) + "monitor:\n  - {process: x, name: a b}\n"),
            "c.yaml:13: monitor[0].name: expected letters, digits, '_' and '-' only (it names "
            "series), got 'a b'");
  EXPECT_EQ(error_of(std::string(minimal) + "monitor:\n  - {pid: -3}\n"),
            "c.yaml:13: monitor[0].pid: expected a positive integer, got '-3'");
  EXPECT_NE(error_of(std::string(minimal) + "monitor:\n  - {proces: x}\n").find("proces"),
            std::string::npos);
}

}  // namespace
}  // namespace stampede::scenario

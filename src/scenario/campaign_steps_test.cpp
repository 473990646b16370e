// SPDX-License-Identifier: Apache-2.0
// Scenarios and their steps read from YAML: requests, checks, captures, loops, stream steps and
// publishes, and their errors.
#include "scenario/campaign_parser.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "scenario/campaign_test_support.hpp"

namespace stampede::scenario {
namespace {

using namespace test;

TEST(CampaignParser, JsonBodies) {
  auto body_of = [](const std::string& json) {
    const auto c = parse(with_step(
        "post: {url: /x, capture: [{json: $.x, as: x}, {json: $.x, as: id}, {json: $.x, as: n}], "
        "json: " +
        json + "}\n"));
    return std::get<request_step>(c.scenarios[0].flow[0]).body->text();
  };
  EXPECT_EQ(body_of("[1, '2', -3, 1.5e3, 18446744073709551615, .inf, nan, yes, ~, '']"),
            R"([1,"2",-3,1500.0,18446744073709551615,".inf","nan","yes",null,""])");
  EXPECT_EQ(body_of("{b: {c: [true]}, a: \"{{x}}\"}"), R"({"b":{"c":[true]},"a":"{{x}}"})");
  EXPECT_EQ(body_of("plain text"), R"("plain text")");
  EXPECT_EQ(body_of("{}"), "{}");
  // A whole "{{x|number}}" value is the number itself; strings stay strings.
  EXPECT_EQ(body_of("{id: \"{{id|number}}\", ids: [\"{{ n | number }}\"], s: \"{{id}}\"}"),
            R"({"id":{{id|number}},"ids":[{{ n | number }}],"s":"{{id}}"})");
  EXPECT_EQ(error_of(with_step("post: {url: /x, json: {a: \"id {{id|number}}\"}}\n")),
            "c.yaml:6: scenarios[0].flow[0].post.json: {{name|number}} must be a whole value, "
            "e.g. id: \"{{id|number}}\" (it sends 42, not \"42\")");
  EXPECT_EQ(error_of(with_step("post: {url: /x, body: \"{{id|number}}\"}\n")),
            "c.yaml:6: scenarios[0].flow[0].post.body: {{name|number}} is for json: bodies and "
            "messages (it sends 42, not \"42\")");
}

TEST(CampaignParser, ScenarioErrors) {
  EXPECT_EQ(error_of(with("  - name: slow\n", "  - name: slow\n    wieght: 2\n")),
            "c.yaml:8: scenarios[0].wieght: unknown field 'wieght'; did you mean 'weight'?");
  EXPECT_EQ(error_of(with("  - name: slow\n", "  - name: slow\n    weight: 0\n")),
            "c.yaml:8: scenarios[0].weight: expected a positive integer, got '0'");
  EXPECT_EQ(error_of(with("  - name: slow\n", "  - name: slow\n    weight: 2000000\n")),
            "c.yaml:8: scenarios[0].weight: expected at most 1000000, got 2000000");
  EXPECT_EQ(error_of(with("  - name: slow\n", "  - weight: 1\n")),
            "c.yaml:7: scenarios[0].name: missing: every scenario needs a name");
  EXPECT_EQ(error_of(with("      - get: /delay?ms=20\n",
                          "      - get: /\n  - name: slow\n    flow: [get: /]\n")),
            "c.yaml:10: scenarios[1].name: duplicate scenario name 'slow'");
  EXPECT_EQ(error_of(with("    flow:\n      - get: /delay?ms=20\n", "    weight: 2\n")),
            "c.yaml:7: scenarios[0].flow: missing: the steps each iteration runs, e.g. flow: "
            "[get: /]");
  EXPECT_EQ(error_of(with("    flow:\n      - get: /delay?ms=20\n", "    flow: []\n")),
            "c.yaml:8: scenarios[0].flow: must not be empty");
  EXPECT_EQ(error_of(with("      - get: /delay?ms=20",
                          "      - think: 1s\n      - loop: {count: 2, flow: [think: 0s]}")),
            "c.yaml:9: scenarios[0].flow: has no request step; add one, e.g. - get: /");
  EXPECT_EQ(error_of(with("scenarios:\n  - name: slow\n    flow:\n      - get: /delay?ms=20\n",
                          "scenarios: {a: 1}\n")),
            "c.yaml:6: scenarios: expected a list, got a mapping");
}

TEST(CampaignParser, StepErrors) {
  EXPECT_EQ(error_of(with_step("fetch: /x\n")),
            "c.yaml:6: scenarios[0].flow[0].fetch: unknown field 'fetch'; did you mean 'patch'?");
  // Other tools' words get stampede's.
  EXPECT_EQ(error_of(with_step("sleep: 1s\n")),
            "c.yaml:6: scenarios[0].flow[0].sleep: unknown field 'sleep'; did you mean 'think'?");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    vus: 10\n")),
            "c.yaml:6: phases[0].vus: unknown field 'vus'; did you mean 'users'?");
  EXPECT_EQ(error_of(with_step("GET: /x\n")),
            "c.yaml:6: scenarios[0].flow[0].GET: unknown field 'GET'; did you mean 'get'?");
  EXPECT_EQ(error_of(with_step("get: /x\n        think: 1s\n")),
            "c.yaml:6: scenarios[0].flow[0]: a step is exactly one of get, post, put, patch, "
            "delete, head, options, think, loop, ws, send, expect, hold, close, sse, longpoll or "
            "publish");
  EXPECT_EQ(error_of(with_step("get: /x\n        checks:\n          - status: 200\n")),
            "c.yaml:7: scenarios[0].flow[0].checks: 'checks' is a request option: put it under "
            "the method, e.g. - get: {url: /items, checks: ...}");
  EXPECT_EQ(error_of(with_step("{}\n")),
            "c.yaml:6: scenarios[0].flow[0]: a step is exactly one of get, post, put, patch, "
            "delete, head, options, think, loop, ws, send, expect, hold, close, sse, longpoll or "
            "publish");
  EXPECT_EQ(error_of(with_step("/x\n")),
            "c.yaml:6: scenarios[0].flow[0]: expected a mapping of fields, got '/x'");
  EXPECT_EQ(error_of(with_step("get: delay\n")),
            "c.yaml:6: scenarios[0].flow[0].get: expected a path starting with '/', got 'delay'");
  EXPECT_EQ(error_of(with_step("get: /a b\n")),
            "c.yaml:6: scenarios[0].flow[0].get: a path cannot contain spaces or line breaks "
            "(write %20)");
  EXPECT_EQ(error_of(with_step("get:\n")),
            "c.yaml:6: scenarios[0].flow[0].get: expected a path like /items, or a mapping with "
            "url: and options, got nothing");
  EXPECT_EQ(error_of(with_step("get: [/a, /b]\n")),
            "c.yaml:6: scenarios[0].flow[0].get: expected a path like /items, or a mapping with "
            "url: and options, got a list");
}

TEST(CampaignParser, PublishStep) {
  const auto c = parse(with_step(
      "publish: {url: \"/publish?channel=c{{channel}}\", rate: 250.5, channels: 4, count: "
      "100, size: 64, timeout: 2s, headers: {X-A: b}}\n"));
  const auto& p = std::get<publish_step>(c.scenarios[0].flow[0]);
  EXPECT_EQ(p.request.method, "POST");
  EXPECT_EQ(p.request.name, "PUBLISH /publish");
  EXPECT_EQ(p.rate, 250.5);
  EXPECT_EQ(p.channels, 4u);
  EXPECT_EQ(p.count, 100u);
  EXPECT_FALSE(p.duration_);
  EXPECT_EQ(p.size, 64u);
  EXPECT_EQ(p.request.timeout, nanoseconds(2s));
  ASSERT_EQ(p.request.headers.size(), 1u);

  EXPECT_EQ(error_of(with_step("publish: /publish\n")),
            "c.yaml:6: scenarios[0].flow[0].publish: expected a mapping, e.g. {url: "
            "\"/publish?channel=c{{channel}}\", rate: 100, channels: 10}, got '/publish'");
  EXPECT_EQ(error_of(with_step("publish: {url: /publish}\n")),
            "c.yaml:6: scenarios[0].flow[0].publish.rate: missing: messages per second, e.g. "
            "rate: 100");
  EXPECT_EQ(error_of(with_step("publish: {url: /publish, rate: 0}\n")),
            "c.yaml:6: scenarios[0].flow[0].publish.rate: expected a number > 0, got '0'");
  EXPECT_EQ(error_of(with_step("publish: {url: /publish, rate: 5, channels: 3}\n")),
            "c.yaml:6: scenarios[0].flow[0].publish.channels: the url has no {{channel}}, so every "
            "message would go to the same channel");
  EXPECT_EQ(error_of(with_step("publish: {url: /publish, rate: 5, size: 20000000}\n")),
            "c.yaml:6: scenarios[0].flow[0].publish.size: expected at most 16777216, got 20000000");
  EXPECT_EQ(error_of(with_step("publish: {url: /publish, rate: 5, every: 1s}\n")),
            "c.yaml:6: scenarios[0].flow[0].publish.every: unknown field 'every'");
  // Stream steps' literal paths are checked as request urls are.
  EXPECT_EQ(error_of(with_step("ws: \"/a b\"\n")),
            "c.yaml:6: scenarios[0].flow[0].ws: a path cannot contain spaces or line breaks "
            "(write %20)");
  EXPECT_EQ(error_of(with_step("sse: {url: \"/s b\"}\n")),
            "c.yaml:6: scenarios[0].flow[0].sse.url: a path cannot contain spaces or line breaks "
            "(write %20)");
  // An empty key is no field of a publish step (its field table once held an empty name).
  EXPECT_EQ(error_of(with_step("publish: {url: /publish, rate: 5, \"\": 1}\n")),
            "c.yaml:6: scenarios[0].flow[0].publish.: unknown field ''");
  EXPECT_EQ(error_of(with_step("publish: {url: /publish, rate: 5, x: 1}\n")),
            "c.yaml:6: scenarios[0].flow[0].publish.x: unknown field 'x'");
}

TEST(CampaignParser, FixedUsers) {
  const auto c = parse(
      "target: http://h:1\n"
      "phases: [{name: p, duration: 1s, users: 11}]\n"
      "scenarios:\n"
      "  - {name: pub, fixed_users: 1, flow: [publish: {url: /publish, rate: 10}]}\n"
      "  - {name: sub, flow: [ws: /ws/pubsub]}\n");
  EXPECT_EQ(c.scenarios[0].fixed_users, 1u);
  EXPECT_FALSE(c.scenarios[1].fixed_users);

  EXPECT_EQ(error_of("target: http://h:1\n"
                     "phases: [{name: p, duration: 1s, users: 3}]\n"
                     "scenarios:\n"
                     "  - {name: a, fixed_users: 1, weight: 2, flow: [get: /]}\n"),
            "c.yaml:4: scenarios[0].weight: give either weight or fixed_users: a scenario with "
            "fixed users is not picked by weight");
  EXPECT_EQ(error_of("target: http://h:1\n"
                     "phases: [{name: p, duration: 1s, users: 3}]\n"
                     "scenarios:\n"
                     "  - {name: a, fixed_users: 1, flow: [get: /]}\n"
                     "  - {name: b, fixed_users: 1, flow: [get: /]}\n"),
            "c.yaml:2: phases[0]: 3 users, but the scenarios' fixed_users add up to 2 and no "
            "scenario without fixed_users is left for the others");
  EXPECT_EQ(error_of("target: http://h:1\n"
                     "phases: [{name: p, duration: 1s, arrival_rate: 3}]\n"
                     "scenarios:\n"
                     "  - {name: a, fixed_users: 1, flow: [get: /]}\n"),
            "c.yaml:2: phases[0]: every scenario has fixed_users, but an open phase starts "
            "iterations that pick a scenario by weight; add a scenario without fixed_users");
  EXPECT_EQ(error_of("target: http://h:1\n"
                     "phases: [{name: p, duration: 1s, users: 2}]\n"
                     "scenarios:\n"
                     "  - {name: a, fixed_users: 2, flow: [get: /]}\n"),
            "no error");
}

TEST(CampaignParser, RequestOptionErrors) {
  // The request's options start on line 7.
  auto post = [](const std::string& lines) { return error_of(with_step("post:\n" + lines)); };
  EXPECT_EQ(post("          headers: {A: b}\n"),
            "c.yaml:7: scenarios[0].flow[0].post.url: missing: the path to request, e.g. url: "
            "/items");
  EXPECT_EQ(post("          url: /x\n          header: {A: b}\n"),
            "c.yaml:8: scenarios[0].flow[0].post.header: unknown field 'header'; did you mean "
            "'headers'?");
  EXPECT_EQ(post("          url: x\n"),
            "c.yaml:7: scenarios[0].flow[0].post.url: expected a path starting with '/', got 'x'");
  EXPECT_EQ(post("          url: /x\n          body: a\n          json: {a: 1}\n"),
            "c.yaml:9: scenarios[0].flow[0].post.json: give either body or json, not both");
  EXPECT_EQ(post("          url: /x\n          body: {a: 1}\n"),
            "c.yaml:8: scenarios[0].flow[0].post.body: expected text, got a mapping (for a "
            "structured body use json:)");
  EXPECT_EQ(post("          url: /x\n          timeout: 0s\n"),
            "c.yaml:8: scenarios[0].flow[0].post.timeout: expected a duration longer than 0, got "
            "'0s'");
  EXPECT_EQ(post("          url: /x\n          name: ''\n"),
            "c.yaml:8: scenarios[0].flow[0].post.name: must not be empty");
  EXPECT_EQ(post("          url: /x\n          checks: {status: 200}\n"),
            "c.yaml:8: scenarios[0].flow[0].post.checks: expected a list, got a mapping");
}

TEST(CampaignParser, ChecksMayBeNamed) {
  const auto c =
      parse(with_step("get: {url: /x, checks: [{status: 200, name: home ok}, {status: "
                      "200}]}\n"));
  const auto& checks = std::get<request_step>(c.scenarios[0].flow[0]).checks;
  EXPECT_EQ(checks[0].name, "home ok");
  EXPECT_TRUE(checks[1].name.empty());
  EXPECT_EQ(error_of(with_step("get: {url: /x, checks: [{status: 200, name: ''}]}\n")),
            "c.yaml:6: scenarios[0].flow[0].get.checks[0].name: must not be empty");
}

TEST(CampaignParser, CookiesAndRedirects) {
  const auto c = parse(with("      - get: /delay?ms=20\n",
                            "      - get: {url: /a, max_redirects: 0}\n"
                            "      - get:\n"
                            "          url: /b\n"
                            "          capture: [{cookie: sid, as: s}]\n"
                            "          checks: [{cookie: sid, equals: \"{{s}}\"}]\n"));
  EXPECT_EQ(c.defaults_.cookies, cookie_policy::keep);
  EXPECT_EQ(c.defaults_.max_redirects, 10U);
  EXPECT_FALSE(c.scenarios[0].cookies);
  const auto& flow = c.scenarios[0].flow;
  EXPECT_EQ(std::get<request_step>(flow[0]).max_redirects, 0U);
  const auto& b = std::get<request_step>(flow[1]);
  EXPECT_FALSE(b.max_redirects);
  ASSERT_EQ(b.captures.size(), 1U);
  EXPECT_EQ(b.captures[0].from, capture::kind::cookie);
  EXPECT_EQ(b.captures[0].expression, "sid");
  ASSERT_EQ(b.checks.size(), 1U);
  EXPECT_EQ(b.checks[0].what, check::kind::cookie);
  EXPECT_EQ(b.checks[0].description, "cookie sid == {{s}}");

  const auto d = parse(with("phases:", "defaults: {cookies: false, max_redirects: 3}\nphases:"));
  EXPECT_EQ(d.defaults_.cookies, cookie_policy::off);
  EXPECT_EQ(d.defaults_.max_redirects, 3U);
  const auto e =
      parse(with("  - name: slow\n", "  - name: slow\n    cookies: reset_each_iteration\n"));
  EXPECT_EQ(e.scenarios[0].cookies, cookie_policy::reset_each_iteration);

  EXPECT_EQ(error_of(with("  - name: slow\n", "  - name: slow\n    cookies: sometimes\n")),
            "c.yaml:8: scenarios[0].cookies: expected true (each user keeps its cookies), false "
            "(no cookies) or reset_each_iteration, got 'sometimes'");
  EXPECT_EQ(error_of(with_step("get: {url: /, max_redirects: many}\n")),
            "c.yaml:6: scenarios[0].flow[0].get.max_redirects: expected an integer >= 0, got "
            "'many'");
  EXPECT_EQ(error_of(with_step("get: {url: /, checks: [{cookie: \"a;b\"}]}\n")),
            "c.yaml:6: scenarios[0].flow[0].get.checks[0].cookie: invalid cookie name 'a;b' (a "
            "token: letters, digits, - _ .)");
}

TEST(CampaignParser, SetupSteps) {
  const auto c = parse(with("    flow:\n", "    setup: [post: /login, think: 1s]\n    flow:\n"));
  ASSERT_EQ(c.scenarios[0].setup.size(), 2U);
  EXPECT_EQ(std::get<request_step>(c.scenarios[0].setup[0]).method, "POST");
  EXPECT_TRUE(parse(minimal).scenarios[0].setup.empty());
  EXPECT_EQ(error_of(with("    flow:\n", "    setup: [{sleep: 1s}]\n    flow:\n")),
            "c.yaml:8: scenarios[0].setup[0].sleep: unknown field 'sleep'; did you mean 'think'?");
}

TEST(CampaignParser, ExpectStatus) {
  const auto c = parse(with("      - get: /delay?ms=20\n",
                            "      - get: {url: /a, expect_status: [200, 404]}\n"
                            "      - get: {url: /b, expect_status: 503}\n"
                            "      - get: /c\n"));
  const auto& flow = c.scenarios[0].flow;
  EXPECT_EQ(std::get<request_step>(flow[0]).expect_status, (std::vector<int>{200, 404}));
  EXPECT_EQ(std::get<request_step>(flow[1]).expect_status, (std::vector<int>{503}));
  EXPECT_TRUE(std::get<request_step>(flow[2]).expect_status.empty());
  EXPECT_TRUE(c.defaults_.expect_status.empty());
  const auto d = parse(with("phases:", "defaults: {expect_status: [201, 204]}\nphases:"));
  EXPECT_EQ(d.defaults_.expect_status, (std::vector<int>{201, 204}));

  // The request's options start on line 7.
  auto get = [](const std::string& value) {
    return error_of(with_step("get:\n          url: /x\n          expect_status: " + value + "\n"));
  };
  EXPECT_EQ(get("99"),
            "c.yaml:8: scenarios[0].flow[0].get.expect_status: expected an HTTP status code (100 "
            "to 599), got 99");
  EXPECT_EQ(get("[200, 600]"),
            "c.yaml:8: scenarios[0].flow[0].get.expect_status[1]: expected an HTTP status code "
            "(100 to 599), got 600");
  EXPECT_EQ(get("[200, 200]"),
            "c.yaml:8: scenarios[0].flow[0].get.expect_status[1]: 200 is given twice");
  EXPECT_EQ(get("[]"), "c.yaml:8: scenarios[0].flow[0].get.expect_status: must not be empty");
  EXPECT_EQ(get("ok"),
            "c.yaml:8: scenarios[0].flow[0].get.expect_status: expected a positive integer, got "
            "'ok'");
  EXPECT_EQ(get("{a: 1}"),
            "c.yaml:8: scenarios[0].flow[0].get.expect_status: expected a list, got a mapping");
  EXPECT_EQ(error_of(with("phases:", "defaults: {expect_status: [2xx]}\nphases:")),
            "c.yaml:2: defaults.expect_status[0]: expected a positive integer, got '2xx'");
}

TEST(CampaignParser, CheckAndCaptureErrors) {
  // The first check or capture starts on line 9.
  auto checks = [](const std::string& lines) {
    return error_of(with_step("post:\n          url: /x\n          checks:\n" + lines));
  };
  auto capture = [](const std::string& lines) {
    return error_of(with_step("post:\n          url: /x\n          capture:\n" + lines));
  };
  EXPECT_EQ(checks("            - json: items\n"),
            "c.yaml:9: scenarios[0].flow[0].post.checks[0].json: invalid JSON path 'items' "
            "(expected e.g. $.items[0].id or $['a key'])");
  EXPECT_EQ(checks("            - status: 200\n              body_contains: x\n"),
            "c.yaml:9: scenarios[0].flow[0].post.checks[0]: a check is exactly one of status, "
            "header, body_contains, json or cookie");
  EXPECT_EQ(checks("            - equals: x\n"),
            "c.yaml:9: scenarios[0].flow[0].post.checks[0]: a check is exactly one of status, "
            "header, body_contains, json or cookie");
  EXPECT_EQ(checks("            - status: 999\n"),
            "c.yaml:9: scenarios[0].flow[0].post.checks[0].status: expected an HTTP status code "
            "(100 to 599), got 999");
  EXPECT_EQ(checks("            - status: ok\n"),
            "c.yaml:9: scenarios[0].flow[0].post.checks[0].status: expected a positive integer, "
            "got 'ok'");
  EXPECT_EQ(checks("            - status: 200\n              equals: 201\n"),
            "c.yaml:10: scenarios[0].flow[0].post.checks[0].equals: a status check takes the code "
            "itself: status: 200");
  EXPECT_EQ(checks("            - body_contains: x\n              equals: y\n"),
            "c.yaml:10: scenarios[0].flow[0].post.checks[0].equals: body_contains takes the text "
            "itself");
  EXPECT_EQ(checks("            - header: content type\n"),
            "c.yaml:9: scenarios[0].flow[0].post.checks[0].header: invalid header name 'content "
            "type'");
  EXPECT_EQ(checks("            - stauts: 200\n"),
            "c.yaml:9: scenarios[0].flow[0].post.checks[0].stauts: unknown field 'stauts'; did "
            "you mean 'status'?");

  EXPECT_EQ(capture("            - json: $.token\n"),
            "c.yaml:9: scenarios[0].flow[0].post.capture[0].as: missing: the variable to capture "
            "into");
  EXPECT_EQ(
      capture("            - json: $.token\n              header: X-A\n              as: t\n"),
      "c.yaml:9: scenarios[0].flow[0].post.capture[0]: a capture is exactly one of json, "
      "header, regex or cookie, with as: NAME");
  EXPECT_EQ(capture("            - json: $.token\n              as: my token\n"),
            "c.yaml:10: scenarios[0].flow[0].post.capture[0].as: invalid variable name 'my "
            "token' (no spaces or braces: as: token)");
  EXPECT_EQ(capture("            - json: $..token\n              as: t\n"),
            "c.yaml:9: scenarios[0].flow[0].post.capture[0].json: invalid JSON path '$..token' "
            "(expected e.g. $.items[0].id or $['a key'])");
  EXPECT_EQ(capture("            - regex: \"(\"\n              as: x\n"),
            "c.yaml:9: scenarios[0].flow[0].post.capture[0].regex: invalid regular expression "
            "(RE2): missing ): (");
}

TEST(CampaignParser, ThinkAndLoopErrors) {
  EXPECT_EQ(error_of(with_step("think: soon\n")),
            "c.yaml:6: scenarios[0].flow[0].think: expected a duration like 500ms, 30s, 5m or 1h, "
            "got 'soon'");
  EXPECT_EQ(error_of(with_step("think: {min: 2s, max: 1s}\n")),
            "c.yaml:6: scenarios[0].flow[0].think.min: must not be longer than max");
  EXPECT_EQ(error_of(with_step("think: {min: 2s}\n")),
            "c.yaml:6: scenarios[0].flow[0].think.max: missing: a random think needs min and max");
  EXPECT_EQ(error_of(with_step("think: {min: 1s, mx: 2s}\n")),
            "c.yaml:6: scenarios[0].flow[0].think.mx: unknown field 'mx'; did you mean 'max'?");
  EXPECT_EQ(error_of(with_step("think: [1s]\n")),
            "c.yaml:6: scenarios[0].flow[0].think: expected a duration like 1s, or {min: 1s, max: "
            "3s}, got a list");
  EXPECT_EQ(error_of(with_step("loop: {count: 0, flow: [get: /]}\n")),
            "c.yaml:6: scenarios[0].flow[0].loop.count: expected a positive integer, got '0'");
  EXPECT_EQ(error_of(with_step("loop: {count: 2000000, flow: [get: /]}\n")),
            "c.yaml:6: scenarios[0].flow[0].loop.count: expected at most 1000000, got 2000000");
  EXPECT_EQ(error_of(with_step("loop: {count: 2}\n")),
            "c.yaml:6: scenarios[0].flow[0].loop.flow: missing: the steps to repeat");
  EXPECT_EQ(error_of(with_step("loop: {flow: [get: /]}\n")),
            "c.yaml:6: scenarios[0].flow[0].loop.count: missing: how many times to repeat the "
            "flow");
  EXPECT_EQ(error_of(with_step("loop: {count: 1, flow: [get: /], times: 2}\n")),
            "c.yaml:6: scenarios[0].flow[0].loop.times: unknown field 'times'");

  // 16 nested loops are fine; a 17th is an error naming its full path.
  auto nested = [](int depth) {
    std::string step = "get: /";
    for (int i = 0; i < depth; ++i) {
      step = "loop: {count: 1, flow: [" + step + "]}";
    }
    return with_step(step + "\n");
  };
  EXPECT_NO_THROW(parse(nested(16)));
  std::string path = "scenarios[0].flow[0].loop";
  for (int i = 1; i < 17; ++i) {
    path += ".flow[0].loop";
  }
  EXPECT_EQ(error_of(nested(17)), "c.yaml:6: " + path + ": loops nest deeper than 16");
}

TEST(CampaignParser, RegexSyntaxRe2LacksIsRefusedAtLoad) {
  EXPECT_EQ(error_of(with_step("post: {url: /, capture: [{regex: \"(a)\\\\1\", as: x}]}\n")),
            "c.yaml:6: scenarios[0].flow[0].post.capture[0].regex: invalid regular expression "
            "(RE2): invalid escape sequence: \\1 (RE2 syntax: backreferences and lookaround are "
            "not supported)");
  EXPECT_EQ(error_of(with_step("expect: {regex: \"a(?=b)\"}\n")),
            "c.yaml:6: scenarios[0].flow[0].expect.regex: invalid regular expression (RE2): "
            "invalid perl operator: (?= (RE2 syntax: backreferences and lookaround are not "
            "supported)");
}

}  // namespace
}  // namespace stampede::scenario

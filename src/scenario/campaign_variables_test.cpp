// SPDX-License-Identifier: Apache-2.0
// {{variables}} that nothing in the campaign defines are errors at each use; captures anywhere,
// data columns, run parameters and a publish step's {{channel}} define them.
#include "scenario/campaign_parser.hpp"

#include <gtest/gtest.h>

#include "scenario/campaign_test_support.hpp"

namespace stampede::scenario {
namespace {

using namespace test;

const std::string not_defined =
    " is not defined: no capture, data column or run parameter gives it";

/// A campaign whose only scenario's flow is `steps` (its first step on line 5).
std::string with_flow(const std::string& steps) {
  return "target: http://h:1\n"
         "phases: [{name: p, duration: 1s, users: 1}]\n"
         "scenarios:\n"
         "  - name: s\n"
         "    flow:\n" +
         steps;
}

TEST(CampaignVariables, EachKindOfTemplateIsChecked) {
  EXPECT_EQ(error_of(with_flow("      - get: /items/{{id}}\n")),
            "c.yaml:6: scenarios[0].flow[0].get: {{id}}" + not_defined);
  EXPECT_EQ(error_of(with_flow("      - get: {url: \"/items?q={{q|raw}}\"}\n")),
            "c.yaml:6: scenarios[0].flow[0].get.url: {{q}}" + not_defined);
  EXPECT_EQ(error_of(with_flow("      - get: {url: /, headers: {X-Token: \"{{token}}\"}}\n")),
            "c.yaml:6: scenarios[0].flow[0].get.headers.X-Token: {{token}}" + not_defined);
  EXPECT_EQ(error_of(with_flow("      - post: {url: /, body: \"a={{a}}\"}\n")),
            "c.yaml:6: scenarios[0].flow[0].post.body: {{a}}" + not_defined);
  EXPECT_EQ(error_of(with_flow("      - post: {url: /, json: {id: \"{{id|number}}\"}}\n")),
            "c.yaml:6: scenarios[0].flow[0].post.json: {{id}}" + not_defined);
  EXPECT_EQ(error_of(with_flow("      - get:\n"
                               "          url: /\n"
                               "          checks:\n"
                               "            - {json: $.id, equals: \"{{id}}\"}\n"
                               "            - {body_contains: \"{{word}}\"}\n")),
            "c.yaml:9: scenarios[0].flow[0].get.checks[0].equals: {{id}}" + not_defined + "\n" +
                "c.yaml:10: scenarios[0].flow[0].get.checks[1].body_contains: {{word}}" +
                not_defined);
  EXPECT_EQ(error_of(with_flow("      - ws: {url: \"/ws/{{room}}\", headers: {X-A: \"{{a}}\"}}\n"
                               "      - send: \"hi {{who}}\"\n"
                               "      - send: {json: {to: \"{{to}}\"}}\n"
                               "      - expect: \"hi {{who2}}\"\n"
                               "      - expect: {json: $.to, equals: \"{{to2}}\"}\n")),
            "c.yaml:6: scenarios[0].flow[0].ws.headers.X-A: {{a}}" + not_defined + "\n" +
                "c.yaml:6: scenarios[0].flow[0].ws.url: {{room}}" + not_defined + "\n" +
                "c.yaml:7: scenarios[0].flow[1].send: {{who}}" + not_defined + "\n" +
                "c.yaml:8: scenarios[0].flow[2].send.json: {{to}}" + not_defined + "\n" +
                "c.yaml:9: scenarios[0].flow[3].expect: {{who2}}" + not_defined + "\n" +
                "c.yaml:10: scenarios[0].flow[4].expect.equals: {{to2}}" + not_defined);
  EXPECT_EQ(error_of(with_flow("      - sse: \"/sse?channel={{c}}\"\n"
                               "      - longpoll: {url: /lp, headers: {X-A: \"{{a}}\"}}\n")),
            "c.yaml:6: scenarios[0].flow[0].sse: {{c}}" + not_defined + "\n" +
                "c.yaml:7: scenarios[0].flow[1].longpoll.headers.X-A: {{a}}" + not_defined);
  // Defaults' headers are templates too.
  EXPECT_EQ(error_of(with("phases:", "defaults: {headers: {X-A: \"{{a}}\"}}\nphases:")),
            "c.yaml:2: defaults.headers.X-A: {{a}}" + not_defined);
}

TEST(CampaignVariables, TheClosestDefinedNameIsSuggested) {
  EXPECT_EQ(
      error_of(with_flow("      - get: {url: /login, capture: [{json: $.t, as: token}]}\n"
                         "      - get: /me?t={{tokn}}\n")),
      "c.yaml:7: scenarios[0].flow[1].get: {{tokn}}" + not_defined + "; did you mean 'token'?");
}

TEST(CampaignVariables, EachUseIsAnErrorAndAlongsideOtherErrors) {
  EXPECT_EQ(error_of(with_flow("      - get: /a/{{x}}\n"
                               "      - get: {url: /b, timeout: soon}\n"
                               "      - get: /c/{{x}}/{{x}}\n")),
            "c.yaml:6: scenarios[0].flow[0].get: {{x}}" + not_defined + "\n" +
                "c.yaml:7: scenarios[0].flow[1].get.timeout: expected a duration like 500ms, "
                "30s, 5m or 1h, got 'soon'\n"
                "c.yaml:8: scenarios[0].flow[2].get: {{x}}" +
                not_defined);
}

TEST(CampaignVariables, ACaptureAnywhereDefinesTheName) {
  // In a later step, inside a loop, in another scenario: the check does not follow the order.
  EXPECT_NO_THROW(
      parse(with_flow("      - get: /a/{{late}}/{{other}}\n"
                      "      - loop:\n"
                      "          count: 2\n"
                      "          flow:\n"
                      "            - get: {url: /b, capture: [{regex: \"x\", as: late}]}\n"
                      "  - name: t\n"
                      "    flow:\n"
                      "      - get: {url: /c, capture: [{header: X-O, as: other}]}\n")));
  // A capture, or its request, with a mistake still defines the name: its own error is the
  // one reported.
  EXPECT_EQ(
      error_of(with_flow("      - get: {url: /a, capture: [{regex: \"(\", as: id}]}\n"
                         "      - get: {url: /b, timeout: soon, capture: [{json: $.t, as: t}]}\n"
                         "      - get: /c/{{id}}/{{t}}\n")),
      "c.yaml:6: scenarios[0].flow[0].get.capture[0].regex: invalid regular expression "
      "(RE2): missing ): (\n"
      "c.yaml:7: scenarios[0].flow[1].get.timeout: expected a duration like 500ms, 30s, 5m "
      "or 1h, got 'soon'");
}

TEST(CampaignVariables, DataColumnsDefineTheirNames) {
  const temp_dir dir;
  dir.write("users.csv", "user,password\nann,1\n");
  const std::string text = with_flow("      - get: /u/{{user}}/{{password}}/{{pasword}}\n") +
                           "data: {file: users.csv}\n";
  const auto campaign = dir.write("c.yaml", text);
  try {
    load_campaign_file(campaign);
    FAIL();
  } catch (const campaign_error& e) {
    EXPECT_EQ(std::string(e.what()), campaign + ":6: scenarios[0].flow[0].get: {{pasword}}" +
                                         not_defined + "; did you mean 'password'?");
  }
  // The columns of a data file that came beside the campaign count as well.
  EXPECT_EQ(parse_campaign_with_data(
                with_flow("      - get: /u/{{user}}\n") + "data: {file: users.csv}\n", "c.yaml",
                "user\nann\n")
                .data->columns,
            std::vector<std::string>{"user"});
}

TEST(CampaignVariables, WithoutTheDataFileAnyNameCouldBeAColumn) {
  const std::string text = with_flow("      - get: /u/{{user}}\n") + "data: {file: users.csv}\n";
  // Not read (a controller storing a campaign whose file lives elsewhere): not checked.
  EXPECT_NO_THROW(parse_campaign(text, "c.yaml", "/no/such/dir", false));
  // Not readable: that is the error, and the only one.
  EXPECT_EQ(error_of(text), "c.yaml:7: data.file: cannot read 'users.csv'");
}

TEST(CampaignVariables, RunParametersAreNotVariables) {
  const run_parameters params({{"TOKEN", "t"}}, false);
  EXPECT_NO_THROW(
      parse_campaign(with_flow("      - get: /a?t={{env.TOKEN}}\n"), "c.yaml", ".", true, params));
}

TEST(CampaignVariables, APublishStepDefinesItsChannel) {
  EXPECT_NO_THROW(parse(
      with_flow("      - publish: {url: \"/publish?channel=c{{channel}}\", rate: 10, channels: 2,\n"
                "                  headers: {X-Channel: \"{{channel}}\"}}\n")));
  // Only for its own url and headers.
  EXPECT_EQ(error_of(with_flow(
                "      - publish: {url: \"/publish?channel=c{{channel}}\", rate: 10, channels: 2}\n"
                "      - get: /seen/{{channel}}\n")),
            "c.yaml:7: scenarios[0].flow[1].get: {{channel}}" + not_defined);
}

}  // namespace
}  // namespace stampede::scenario

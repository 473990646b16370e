// SPDX-License-Identifier: Apache-2.0
// Run parameters as a distributed run takes them: a campaign stored before its values are
// known, the values a run carries to its agents, and no environment but the one given.
#include "scenario/run_parameters.hpp"

#include <cstdlib>
#include <variant>

#include <gtest/gtest.h>

#include "scenario/campaign_parser.hpp"

namespace stampede::scenario {
namespace {

const char* const campaign_text =
    "target: \"{{env.BASE}}\"\n"
    "defaults: {streams: 4, headers: {Authorization: \"Bearer {{env.TOKEN}}\"}}\n"
    "phases: [{name: p, duration: 1s, users: 1}]\n"
    "scenarios:\n"
    "  - name: s\n"
    "    flow:\n"
    "      - get:\n"
    "          url: \"/items/{{env.TOKEN}}\"\n"
    "          checks: [{body_contains: \"{{env.TOKEN}}\"}, {header: X, equals: "
    "\"{{env.TOKEN}}\"}]\n";

/// An environment variable set for one test, unset after it.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~scoped_env() { ::unsetenv(name_); }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  const char* name_;
};

TEST(RunParameters, AStoredCampaignWaitsForItsValues) {
  const auto c =
      parse_campaign(campaign_text, "c.yaml", ".", false, run_parameters::values_later());
  // The target's scheme is not known yet, so what it allows (streams: HTTP/2 only) is checked
  // when the run starts, with the values.
  EXPECT_EQ(c.target, run_parameters::stand_in_target);
  EXPECT_EQ(c.defaults_.headers[0].value.text(), "Bearer {{env.TOKEN}}");
  const auto& get = std::get<request_step>(c.scenarios[0].flow[0]);
  // Step and check names come from the text as written, so the values are never in the
  // results (and the names agree with those the agents, which have the values, report).
  EXPECT_EQ(get.name, "GET /items/{{env.TOKEN}}");

  // With the values, the same campaign is checked in full.
  const run_parameters given({{"BASE", "http://127.0.0.1:9"}, {"TOKEN", "s3cret"}}, false);
  EXPECT_THROW(parse_campaign(campaign_text, "c.yaml", ".", false, given), campaign_error);
  const run_parameters h2({{"BASE", "h2c://127.0.0.1:9"}, {"TOKEN", "s3cret"}}, false);
  const auto run = parse_campaign(campaign_text, "c.yaml", ".", false, h2);
  EXPECT_EQ(run.target, "h2c://127.0.0.1:9");
  const auto& step = std::get<request_step>(run.scenarios[0].flow[0]);
  EXPECT_EQ(step.name, "GET /items/{{env.TOKEN}}");
  EXPECT_EQ(step.checks[0].expected->text(), "s3cret");
  EXPECT_EQ(step.checks[0].description, "body contains '{{env.TOKEN}}'");
  EXPECT_EQ(step.checks[1].description, "header X == {{env.TOKEN}}");

  // Other variables are still refused in a target.
  EXPECT_THROW(parse_campaign("target: \"http://{{host}}:{{env.PORT}}\"\n"
                              "phases: [{name: p, duration: 1s, users: 1}]\n"
                              "scenarios: [{name: s, flow: [{get: /}]}]\n",
                              "c.yaml", ".", false, run_parameters::values_later()),
               campaign_error);
}

TEST(RunParameters, ARunCarriesOnlyTheValuesItsCampaignUses) {
  const scoped_env base("STAMPEDE_TEST_BASE", "http://127.0.0.1:9");
  const std::string text =
      "target: \"{{env.STAMPEDE_TEST_BASE}}\"\n"
      "phases: [{name: p, duration: 1s, users: 1}]\n"
      "scenarios: [{name: s, flow: [{get: \"/{{env.TOKEN}}/{{env.MISSING}}\"}]}]\n";
  // As `stampede start` reads it: -e first, then its own environment; a parameter given
  // neither way is left for the controller to refuse.
  auto starting = run_parameters::values_later({{"TOKEN", "s3cret"}, {"UNUSED", "not sent"}}, true);
  parse_campaign(text, "c.yaml", ".", false, starting);
  EXPECT_EQ(starting.used(),
            (std::map<std::string, std::string>{{"STAMPEDE_TEST_BASE", "http://127.0.0.1:9"},
                                                {"TOKEN", "s3cret"}}));
}

TEST(RunParameters, AControllerOrAgentIgnoresItsOwnEnvironment) {
  const scoped_env token("TOKEN", "from the agent's environment");
  const std::string text =
      "target: http://127.0.0.1:9\n"
      "phases: [{name: p, duration: 1s, users: 1}]\n"
      "scenarios: [{name: s, flow: [{get: \"/{{env.TOKEN}}\"}]}]\n";
  try {
    parse_campaign(text, "c.yaml", ".", false, run_parameters({}, false));
    ADD_FAILURE() << "no error";
  } catch (const campaign_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "c.yaml:3: scenarios[0].flow[0].get: {{env.TOKEN}} is not given: pass -e "
              "TOKEN=VALUE, or set TOKEN in the environment");
  }
  const run_parameters given({{"TOKEN", "given"}}, false);
  const auto c = parse_campaign(text, "c.yaml", ".", false, given);
  EXPECT_EQ(std::get<request_step>(c.scenarios[0].flow[0]).path.text(), "/given");
  EXPECT_EQ(given.used(), (std::map<std::string, std::string>{{"TOKEN", "given"}}));
}

}  // namespace
}  // namespace stampede::scenario

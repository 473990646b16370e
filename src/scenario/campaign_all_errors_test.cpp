// SPDX-License-Identifier: Apache-2.0
// A campaign's independent mistakes reported all at once, in file order: each section, each
// field of defaults, each phase, scenario, step and threshold read on its own.
#include "scenario/campaign_parser.hpp"

#include <gtest/gtest.h>

#include "scenario/campaign_test_support.hpp"

namespace stampede::scenario {
namespace {

using namespace test;

const std::string duration_expected = "expected a duration like 500ms, 30s, 5m or 1h, got ";

TEST(CampaignAllErrors, EveryItemIsReadOnItsOwn) {
  const std::string text = R"(target: http://127.0.0.1:8080
defaults:
  request_timeout: soon
  insecure: maybe
phases:
  - {name: a, duration: 2s, users: five}
  - {name: b, duration: 2s, users: 1}
  - {name: b, duration: 2s, users: 1}
scenarios:
  - name: s
    weight: 0
    flow:
      - get: {url: /a, timeout: soon}
      - get: /b
      - loop: {count: 2, flow: [fetch: /c, get: /d]}
  - name: t
    flow: [get: /]
thresholds:
  - http.latency.p95 < fast
  - http.latency.p95 < 1ms
)";
  EXPECT_EQ(error_of(text),
            "c.yaml:3: defaults.request_timeout: " + duration_expected + "'soon'\n" +
                "c.yaml:4: defaults.insecure: expected true or false, got 'maybe'\n"
                "c.yaml:6: phases[0].users: expected a positive integer, got 'five'\n"
                "c.yaml:8: phases[2].name: duplicate phase name 'b'\n"
                "c.yaml:11: scenarios[0].weight: expected a positive integer, got '0'\n"
                "c.yaml:13: scenarios[0].flow[0].get.timeout: " +
                duration_expected +
                "'soon'\n"
                "c.yaml:15: scenarios[0].flow[2].loop.flow[0].fetch: unknown field 'fetch'; did "
                "you mean 'patch'?\n"
                "c.yaml:19: thresholds[0]: expected a latency like 200ms, 1.5s or 800us (a bare "
                "number is milliseconds), got 'fast'");
}

TEST(CampaignAllErrors, TheErrorHoldsEachProblemAndTheFirstDescribesIt) {
  try {
    parse(with_phase("    duration: 2s\n    users: five\n") + "thresholds: [http.rps > fast]\n");
    FAIL();
  } catch (const campaign_error& e) {
    ASSERT_EQ(e.problems().size(), 2u);
    EXPECT_EQ(e.problems()[1].text(),
              "c.yaml:7: thresholds[0]: expected a number >= 0, got 'fast'");
    EXPECT_EQ(e.line(), 6);
    EXPECT_EQ(e.field(), "phases[0].users");
    EXPECT_EQ(e.message(), "expected a positive integer, got 'five'");
  }
}

TEST(CampaignAllErrors, ErrorsComeInFileOrderWhateverTheSectionOrder) {
  EXPECT_EQ(error_of("scenarios:\n"
                     "  - name: s\n"
                     "    flow: [get: nowhere]\n"
                     "phases: [{name: p, duration: 1s, users: 0}]\n"
                     "target: http://h:1/api\n"),
            "c.yaml:3: scenarios[0].flow[0].get: expected a path starting with '/', got "
            "'nowhere'\n"
            "c.yaml:4: phases[0].users: expected a positive integer, got '0'\n"
            "c.yaml:5: target: must be scheme://host[:port] only; paths go in the steps (got "
            "'/api')");
}

TEST(CampaignAllErrors, OneItemReportsItsFirstMistakeOnly) {
  // The rest of a bad step may not mean what it says until its first mistake is fixed.
  EXPECT_EQ(error_of(with_step("get: {url: nowhere, timeout: soon, max_redirects: -1}\n")),
            "c.yaml:6: scenarios[0].flow[0].get.timeout: " + duration_expected + "'soon'");
}

TEST(CampaignAllErrors, ASyntaxErrorStopsAtOnce) {
  EXPECT_EQ(error_of("target: http://h:1\nphases: [{name: p, users: five}\nscenarios: x\n"),
            "c.yaml:3: (syntax): end of sequence flow not found");
}

TEST(CampaignAllErrors, AMisspeltSectionIsNotAlsoMissing) {
  EXPECT_EQ(error_of(with("phases:", "phase:")),
            "c.yaml:2: phase: unknown field 'phase'; did you mean 'phases'?");
  // Other sections are still read.
  EXPECT_EQ(error_of(with("phases:", "phase:") + "threads: 0\n"),
            "c.yaml:2: phase: unknown field 'phase'; did you mean 'phases'?\n"
            "c.yaml:12: threads: expected a positive integer, got '0'");
}

TEST(CampaignAllErrors, ChecksAcrossItemsLookOnlyAtWhatWasRead) {
  // The bad phase b is not a duplicate of anything: only the second a is.
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    users: 1\n"
                                "  - {name: b, duration: 1s, users: x}\n"
                                "  - {name: a, duration: 1s, users: 1}\n"
                                "  - {name: p, duration: 1s, users: 1}\n")),
            "c.yaml:7: phases[1].users: expected a positive integer, got 'x'\n"
            "c.yaml:9: phases[3].name: duplicate phase name 'p'");
  // A filter may name the scenario that could not be read: it is not checked then.
  const std::string bad_scenario =
      "target: http://h:1\n"
      "phases: [{name: p, duration: 1s, users: 1}]\n"
      "scenarios:\n"
      "  - {name: checkout, weight: 0, flow: [get: /]}\n"
      "  - {name: browse, flow: [get: /]}\n"
      "thresholds:\n"
      "  - http.rps{scenario=checkout} > 1\n";
  EXPECT_EQ(error_of(bad_scenario),
            "c.yaml:4: scenarios[0].weight: expected a positive integer, got '0'");
  // A flow with a bad step is not also said to have no request.
  EXPECT_EQ(error_of(with_step("get: nowhere\n")),
            "c.yaml:6: scenarios[0].flow[0].get: expected a path starting with '/', got "
            "'nowhere'");
  // fixed_users against the phases waits for both to read.
  EXPECT_EQ(error_of("target: http://h:1\n"
                     "phases:\n"
                     "  - {name: p, duration: 1s, users: 5}\n"
                     "  - {name: q, duration: 1s, users: x}\n"
                     "scenarios: [{name: s, fixed_users: 1, flow: [get: /]}]\n"),
            "c.yaml:4: phases[1].users: expected a positive integer, got 'x'");
}

}  // namespace
}  // namespace stampede::scenario

// SPDX-License-Identifier: Apache-2.0
// Campaign files as users write them: the examples, unreadable files, and YAML aliases that would
// expand without bound.
#include "scenario/campaign_parser.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "scenario/campaign_test_support.hpp"

namespace stampede::scenario {
namespace {

using namespace test;

TEST(CampaignFiles, EveryExampleParses) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(examples_dir())) {
    if (entry.path().extension() == ".yaml") {
      EXPECT_NO_THROW(load_campaign_file(entry.path().string())) << entry.path();
      ++seen;
    }
  }
  EXPECT_GE(seen, 4);
}

TEST(CampaignFiles, MinimalExampleIsTheMinimalCampaign) {
  const auto c = load_campaign_file((examples_dir() / "minimal.yaml").string());
  const auto m = parse(minimal);
  EXPECT_EQ(c.name, "minimal");
  EXPECT_EQ(c.target, m.target);
  ASSERT_EQ(c.phases.size(), 1u);
  EXPECT_EQ(c.phases[0].length, m.phases[0].length);
  EXPECT_EQ(std::get<closed_model>(c.phases[0].model).users, 5u);
  EXPECT_EQ(std::get<request_step>(c.scenarios.at(0).flow.at(0)).path.text(), "/delay?ms=20");
  EXPECT_EQ(c.thresholds.at(0).expression, "http.latency.p95 < 1ms");
}

TEST(CampaignFiles, QuickstartExample) {
  const auto c = load_campaign_file((examples_dir() / "quickstart.yaml").string());
  EXPECT_EQ(c.target, "http://127.0.0.1:8080");
  ASSERT_EQ(c.phases.size(), 2u);
  const auto& warmup = std::get<closed_model>(c.phases[0].model);
  EXPECT_EQ(c.phases[0].name, "warmup");
  EXPECT_EQ(c.phases[0].length, nanoseconds(8s));
  EXPECT_EQ(warmup.users, 20u);
  EXPECT_EQ(warmup.ramp, nanoseconds(5s));
  const auto& arrivals = std::get<open_model>(c.phases[1].model);
  EXPECT_EQ(c.phases[1].name, "arrivals");
  EXPECT_EQ(c.phases[1].length, nanoseconds(10s));
  EXPECT_DOUBLE_EQ(arrivals.arrival_rate, 50);
  EXPECT_EQ(arrivals.ramp_to, 150.0);
  EXPECT_EQ(arrivals.max_users, 100u);
  EXPECT_GE(c.scenarios.size(), 2u);
  EXPECT_GE(c.thresholds.size(), 2u);
}

TEST(CampaignFiles, FeederExampleReadsItsCsv) {
  const auto c = load_campaign_file((examples_dir() / "feeder.yaml").string());
  ASSERT_TRUE(c.data);
  EXPECT_EQ(c.data->columns, (std::vector<std::string>{"user", "password", "note"}));
  EXPECT_EQ(c.data->rows.at(0).at(1), "s3cret, with comma");
  EXPECT_EQ(c.data->rows.at(1).at(2), "a \"quoted\" note");
}

TEST(CampaignFiles, UnreadableFiles) {
  try {
    load_campaign_file("/no/such/campaign.yaml");
    FAIL();
  } catch (const campaign_error& e) {
    EXPECT_EQ(std::string(e.what()), "/no/such/campaign.yaml:0: (file): cannot read the file");
    EXPECT_EQ(e.file(), "/no/such/campaign.yaml");
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.field(), "(file)");
    EXPECT_EQ(e.message(), "cannot read the file");
  }
  const temp_dir dir;
  try {
    load_campaign_file(dir.path());
    FAIL();
  } catch (const campaign_error& e) {
    EXPECT_EQ(e.message(), "is a directory, not a campaign file");
  }
}

TEST(CampaignFiles, ErrorPartsMatchWhat) {
  try {
    parse(with("    users: 5", "    users: five"));
    FAIL();
  } catch (const campaign_error& e) {
    EXPECT_EQ(e.file(), "c.yaml");
    EXPECT_EQ(e.line(), 5);
    EXPECT_EQ(e.field(), "phases[0].users");
    EXPECT_EQ(e.message(), "expected a positive integer, got 'five'");
  }
}

TEST(CampaignParser, JsonBodiesExpandingAliasesWithoutBoundAreRefused) {
  // A "billion laughs": ten levels of ten aliases each would be 10^9 strings once expanded.
  std::string text =
      "target: http://h:1\n"
      "phases: [{name: p, duration: 1s, users: 1}]\n"
      "scenarios:\n"
      "  - name: s\n"
      "    flow:\n"
      "      - post:\n"
      "          url: /\n"
      "          json:\n"
      "            l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    text += fmt::format("            l{}: &l{} [", i, i);
    for (int k = 0; k < 10; ++k) {
      text += fmt::format("{}*l{}", k == 0 ? "" : ", ", i - 1);
    }
    text += "]\n";
  }
  EXPECT_EQ(error_of(text),
            "c.yaml:9: scenarios[0].flow[0].post.json: expands to more than 1 MiB (YAML aliases "
            "repeat what they name)");
  // Loops repeating aliased flows: 16 levels of 10 would be 10^16 steps.
  std::string loops =
      "target: http://h:1\n"
      "phases: [{name: p, duration: 1s, users: 1}]\n"
      "scenarios:\n"
      "  - name: s\n"
      "    flow:\n"
      "      - &s0 {get: /}\n";
  for (int i = 1; i < 16; ++i) {
    loops += fmt::format("      - &s{} {{loop: {{count: 1, flow: [", i);
    for (int k = 0; k < 10; ++k) {
      loops += fmt::format("{}*s{}", k == 0 ? "" : ", ", i - 1);
    }
    loops += "]}}\n";
  }
  EXPECT_NE(error_of(loops).find("more than 100000 steps once YAML aliases are expanded"),
            std::string::npos)
      << error_of(loops);
  // Bodies repeated by aliased steps count together: 100 steps of ~1 MiB each stay within
  // every per-value bound but not within the campaign's.
  std::string big =
      "target: http://h:1\n"
      "phases: [{name: p, duration: 1s, users: 1}]\n"
      "scenarios:\n"
      "  - name: s\n"
      "    flow:\n"
      "      - &big {post: {url: /, body: \"" +
      std::string(1000000, 'x') + "\"}}\n";
  for (int i = 0; i < 100; ++i) {
    big += "      - *big\n";
  }
  EXPECT_NE(error_of(big).find("bodies and messages add up to more than 64 MiB"), std::string::npos)
      << error_of(big).substr(0, 200);
  // Nesting is bounded too.
  std::string deep = "[";
  for (int i = 0; i < 70; ++i) {
    deep += "[";
  }
  deep += std::string(71, ']');
  EXPECT_EQ(error_of(with_step("post: {url: /, json: " + deep + "}\n")),
            "c.yaml:6: scenarios[0].flow[0].post.json: nests deeper than 64 levels");
  // A few aliases within the bounds are expanded as written.
  const auto c = parse(with_step("post: {url: /, json: {a: &x [1, 2], b: *x}}\n"));
  EXPECT_EQ(std::get<request_step>(c.scenarios[0].flow[0]).body->text(),
            R"({"a":[1,2],"b":[1,2]})");
}

}  // namespace
}  // namespace stampede::scenario

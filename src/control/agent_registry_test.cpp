// SPDX-License-Identifier: Apache-2.0
#include "control/agent_registry.hpp"

#include <gtest/gtest.h>

namespace stampede::control {
namespace {

agent_state agent(const std::string& name) {
  agent_state a;
  a.name = name;
  a.cores = 2;
  a.peer = "ipv4:127.0.0.1:5000";
  return a;
}

TEST(AgentRegistry, HealthFollowsHeartbeats) {
  agent_registry r;
  EXPECT_FALSE(r.connect(agent("a"), 1000, 1000));
  EXPECT_FALSE(r.connect(agent("b"), 1000, 1000));
  EXPECT_EQ(r.healthy_count(1000), 2u);
  r.heartbeat("a", 3500, 3500);
  EXPECT_EQ(r.healthy_count(4000), 2u);  // b's last heartbeat is 3000 ms old: still healthy
  EXPECT_EQ(r.healthy_count(4001), 1u);  // b is lost, a is not
  r.disconnect("a");
  EXPECT_EQ(r.healthy_count(4001), 0u);
  EXPECT_FALSE(r.find("a")->connected);
}

TEST(AgentRegistry, AStepOfTheWallClockLosesNoAgent) {
  agent_registry r;
  // Wall clock at 1,000,000 ms, steady clock at 50 ms; then the wall clock steps 3 s forward
  // (and later back) while heartbeats keep coming once a second on the steady clock.
  EXPECT_FALSE(r.connect(agent("a"), 1'000'000, 50));
  r.heartbeat("a", 1'004'050, 1050);
  EXPECT_EQ(r.healthy_count(1100), 1u);
  EXPECT_EQ(r.find("a")->last_heartbeat_ms, 1'004'050);  // listings show the wall clock
  r.heartbeat("a", 990'000, 2050);
  EXPECT_EQ(r.healthy_count(2100), 1u);
  EXPECT_EQ(r.healthy_count(5051), 0u);  // 3,001 steady ms without one: lost
}

TEST(AgentRegistry, DuplicateNamesAreRefusedUnlessTheOldOneIsLost) {
  agent_registry r;
  EXPECT_FALSE(r.connect(agent("a"), 1000, 1000));
  const auto refusal = r.connect(agent("a"), 2000, 2000);
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->find("already connected"), std::string::npos);
  EXPECT_FALSE(r.connect(agent("a"), 5000, 5000));  // the first went quiet: replaced
  EXPECT_EQ(r.find("a")->first_seen_ms, 1000);
}

TEST(AgentRegistry, RememberedAgentsAreOffline) {
  agent_registry r;
  auto old = agent("old");
  old.first_seen_ms = 10;
  r.remember(old);
  EXPECT_EQ(r.list().size(), 1u);
  EXPECT_EQ(r.healthy_count(20), 0u);
  EXPECT_FALSE(r.connect(agent("old"), 30, 30));
  EXPECT_EQ(r.find("old")->first_seen_ms, 10);
}

}  // namespace
}  // namespace stampede::control

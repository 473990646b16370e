// SPDX-License-Identifier: Apache-2.0
#include "control/monitor_hub.hpp"

#include <gtest/gtest.h>

namespace stampede::control {
namespace {

TEST(MonitorHub, ANameIsOneAttachedMonitor) {
  monitor_hub hub;
  EXPECT_FALSE(hub.attach({"web", "--pid 1", "h", "ipv4:10.0.0.1:5000"}));
  const auto refusal = hub.attach({"web", "--pid 2", "h", "ipv4:10.0.0.2:5000"});
  ASSERT_TRUE(refusal);
  EXPECT_EQ(*refusal,
            "a monitor named 'web' is attached already (from ipv4:10.0.0.1:5000); give this one "
            "another --name");
  hub.detach("web");
  EXPECT_FALSE(hub.attach({"web", "--pid 2", "h", "ipv4:10.0.0.2:5000"}));
  ASSERT_EQ(hub.list().size(), 1u);
  EXPECT_EQ(hub.list()[0].target, "--pid 2");
  EXPECT_TRUE(hub.list()[0].attached);
}

TEST(MonitorHub, ARunsSecondIsWhatArrivedInItCountsAddedLevelsTheLatest) {
  auto hub = std::make_shared<monitor_hub>();
  hub->attach({"web", "", "", ""});
  hub->attach({"db", "", "", ""});
  hub->add("web", 9'999, {{"cpu", 10}, {"listen_overflows", 100}});  // before the run
  hub->add("web", 10'100, {{"cpu", 20}, {"rss", 5}, {"listen_overflows", 1}});
  hub->add("web", 10'900, {{"cpu", 30}, {"rss", 7}, {"listen_overflows", 2}});  // two in a second
  hub->add("db", 11'500, {{"cpu", 40}});
  hub_source run(hub, 10'000);
  const auto first = run.take(0);
  ASSERT_EQ(first.size(), 1u);  // db sent nothing in [10 s, 11 s)
  EXPECT_EQ(first.at("web").at("cpu"), 30);
  EXPECT_EQ(first.at("web").at("rss"), 7);
  EXPECT_EQ(first.at("web").at("listen_overflows"), 3);  // nothing counted is lost
  const auto second = run.take(1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second.at("db").at("cpu"), 40);
  EXPECT_TRUE(run.take(2).empty());
  // Another run, started later, sees the same samples on its own timeline.
  hub_source later(hub, 10'500);
  EXPECT_EQ(later.take(0).at("web").at("cpu"), 30);
  EXPECT_EQ(later.take(0).count("db"), 0u);
  EXPECT_EQ(later.take(1).at("db").at("cpu"), 40);
}

}  // namespace
}  // namespace stampede::control

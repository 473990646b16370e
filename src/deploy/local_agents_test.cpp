// SPDX-License-Identifier: Apache-2.0
#include "deploy/local_agents.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace stampede::deploy {
namespace {

class LocalAgents : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("stampede-local-agents-test-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(LocalAgents, RecordRoundTrip) {
  EXPECT_TRUE(read_local_agents(dir_).empty());  // no record yet
  write_local_agents(dir_, {{"local-1", 100, "/x/local-1.log"}, {"local-2", 200, "/x/l2.log"}});
  const auto back = read_local_agents(dir_);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].name, "local-2");
  EXPECT_EQ(back[1].pid, 200);
  EXPECT_EQ(back[0].log, "/x/local-1.log");
}

TEST_F(LocalAgents, ADamagedRecordIsAClearError) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/agents.json") << "{ not json";
  try {
    read_local_agents(dir_);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("agents.json"), std::string::npos);
  }
}

TEST_F(LocalAgents, OnlyRecordedAgentsAreStoppedNeverAReusedPid) {
  // This test process is not "stampede agent --name local-1": down must leave it alone.
  EXPECT_FALSE(is_local_agent(::getpid(), "local-1"));
  write_local_agents(dir_, {{"local-1", ::getpid(), "/dev/null"}});
  const auto stopped = stop_local_agents(dir_, std::chrono::milliseconds(100));
  EXPECT_TRUE(stopped.empty());
  EXPECT_TRUE(read_local_agents(dir_).empty());  // the stale record is cleared
}

}  // namespace
}  // namespace stampede::deploy

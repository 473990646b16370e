// SPDX-License-Identifier: Apache-2.0
#include "net/loopback_sources.hpp"

#include <set>

#include <gtest/gtest.h>

namespace stampede::net {
namespace {

TEST(LoopbackSources, WorkersGetDisjointSlicesLargeEnoughForTheirShare) {
  std::set<std::string> seen;
  constexpr std::uint64_t workers = 8;
  constexpr std::uint64_t connections = 1'000'000;
  for (std::uint64_t w = 0; w < workers; ++w) {
    const auto mine = loopback_sources(w, workers, connections);
    // 125,000 connections each: 7 addresses of 20,000.
    EXPECT_EQ(mine.size(), 7u);
    for (const auto& a : mine) {
      EXPECT_TRUE(a.is_loopback());
      EXPECT_TRUE(seen.insert(a.to_string()).second) << a.to_string() << " given twice";
    }
  }
  EXPECT_EQ(*seen.begin(), "127.1.0.1");
}

TEST(LoopbackSources, SmallRunsUseOneAddressPerWorker) {
  EXPECT_EQ(loopback_sources(0, 2, 10).size(), 1u);
  EXPECT_EQ(loopback_sources(1, 2, 10).front().to_string(), "127.1.0.2");
  // Past 254 addresses the third byte moves on.
  EXPECT_EQ(loopback_sources(254, 300, 300).front().to_string(), "127.1.1.1");
}

}  // namespace
}  // namespace stampede::net

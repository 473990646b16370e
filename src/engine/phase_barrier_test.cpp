// SPDX-License-Identifier: Apache-2.0
#include "engine/phase_barrier.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace stampede::engine {
namespace {

using namespace std::chrono_literals;

TEST(PhaseBarrier, ReleasesEveryWorkerAtOneInstantOnceTheLastArrives) {
  phase_barrier barrier(3, 20ms);
  std::vector<phase_barrier::clock::time_point> starts;
  std::mutex m;
  const auto record = [&](phase_barrier::clock::time_point t) {
    const std::lock_guard lock(m);
    starts.push_back(t);
  };
  barrier.arrive(0, record);
  barrier.arrive(0, record);
  EXPECT_TRUE(starts.empty());
  // Another phase's arrivals do not count toward this one.
  barrier.arrive(1, record);
  EXPECT_TRUE(starts.empty());
  const auto before = phase_barrier::clock::now();
  barrier.arrive(0, record);
  ASSERT_EQ(starts.size(), 3U);
  EXPECT_EQ(starts[0], starts[1]);
  EXPECT_EQ(starts[1], starts[2]);
  EXPECT_GE(starts[0], before + 20ms);
  barrier.arrive(1, record);
  barrier.arrive(1, record);
  EXPECT_EQ(starts.size(), 6U);
}

TEST(PhaseBarrier, ArrivalsFromManyThreads) {
  constexpr int workers = 8;
  phase_barrier barrier(workers, 0ms);
  std::atomic<int> released{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back([&] { barrier.arrive(5, [&](auto) { ++released; }); });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(released.load(), workers);
}

}  // namespace
}  // namespace stampede::engine

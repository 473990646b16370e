// SPDX-License-Identifier: Apache-2.0
#include "engine/phase_barrier.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace stampede::engine {
namespace {

using namespace std::chrono_literals;

TEST(PhaseBarrier, ReleasesEveryWorkerAtOneInstantOnceTheLastArrives) {
  local_phase_barrier barrier(3, 20ms);
  std::vector<phase_barrier::clock::time_point> starts;
  std::mutex m;
  const auto record = [&](phase_barrier::clock::time_point t) {
    const std::lock_guard lock(m);
    starts.push_back(t);
  };
  barrier.arrive(0, 0, record);
  barrier.arrive(0, 0, record);
  EXPECT_TRUE(starts.empty());
  // Another phase's arrivals do not count toward this one.
  barrier.arrive(1, 0, record);
  EXPECT_TRUE(starts.empty());
  const auto before = phase_barrier::clock::now();
  barrier.arrive(0, 0, record);
  ASSERT_EQ(starts.size(), 3U);
  EXPECT_EQ(starts[0], starts[1]);
  EXPECT_EQ(starts[1], starts[2]);
  EXPECT_GE(starts[0], before + 20ms);
  barrier.arrive(1, 0, record);
  barrier.arrive(1, 0, record);
  EXPECT_EQ(starts.size(), 6U);
}

TEST(PhaseBarrier, ArrivalsFromManyThreads) {
  constexpr int workers = 8;
  local_phase_barrier barrier(workers, 0ms);
  std::atomic<int> released{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back([&] { barrier.arrive(5, 0, [&](auto) { ++released; }); });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(released.load(), workers);
}

TEST(PhaseBarrier, RelayedArrivalsWaitForTheReleaseAndLateOnesGetItAtOnce) {
  std::vector<std::pair<std::size_t, std::uint32_t>> sent;
  relayed_phase_barrier barrier(
      [&](std::size_t phase, std::uint32_t worker) { sent.emplace_back(phase, worker); });
  std::vector<phase_barrier::clock::time_point> starts;
  const auto record = [&](phase_barrier::clock::time_point t) { starts.push_back(t); };
  barrier.arrive(2, 4, record);
  barrier.arrive(2, 5, record);
  EXPECT_TRUE(starts.empty());
  EXPECT_EQ(sent, (std::vector<std::pair<std::size_t, std::uint32_t>>{{2, 4}, {2, 5}}));
  EXPECT_EQ(barrier.pending().size(), 2U);

  const auto start = phase_barrier::clock::now() + 100ms;
  barrier.release(2, start);
  ASSERT_EQ(starts.size(), 2U);
  EXPECT_EQ(starts[0], start);
  EXPECT_TRUE(barrier.pending().empty());
  // A repeated release changes nothing; a worker arriving after it starts at its instant.
  barrier.release(2, start + 1s);
  barrier.arrive(2, 6, record);
  ASSERT_EQ(starts.size(), 3U);
  EXPECT_EQ(starts[2], start);
  EXPECT_EQ(sent.size(), 2U);
}

}  // namespace
}  // namespace stampede::engine

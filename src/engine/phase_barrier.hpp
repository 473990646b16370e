// SPDX-License-Identifier: Apache-2.0
// Where a run's workers meet when a phase ends by iterations: each says it is done, and when the
// last one has, all learn the one instant the next phase starts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

namespace stampede::engine {

/// Thread-safety: arrive() may be called from any thread.
class phase_barrier {
 public:
  using clock = std::chrono::steady_clock;
  using start_callback = std::function<void(clock::time_point next_start)>;
  /// Time between the last arrival and the next phase's start: enough for every worker to be
  /// woken and waiting for it, so they start together rather than in wake-up order.
  static constexpr auto default_lead = std::chrono::milliseconds(50);

  explicit phase_barrier(std::uint32_t workers, clock::duration lead = default_lead)
      : workers_(workers), lead_(lead) {}

  /// A worker finished `phase`. Once `workers` have, each of their callbacks is called, on the
  /// thread of the last to arrive, with the next phase's start (that arrival plus the lead).
  void arrive(std::size_t phase, start_callback on_start) {
    std::vector<start_callback> ready;
    {
      const std::lock_guard lock(mutex_);
      auto& waiting = waiting_[phase];
      waiting.push_back(std::move(on_start));
      if (waiting.size() < workers_) {
        return;
      }
      ready = std::move(waiting);
      waiting_.erase(phase);
    }
    const auto start = clock::now() + lead_;
    for (auto& callback : ready) {
      callback(start);
    }
  }

 private:
  std::mutex mutex_;
  std::uint32_t workers_;
  clock::duration lead_;
  std::map<std::size_t, std::vector<start_callback>> waiting_;
};

}  // namespace stampede::engine

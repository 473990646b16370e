// SPDX-License-Identifier: Apache-2.0
// Where a run's workers meet when a phase ends by iterations: each says it is done, and when the
// last one has, all learn the one instant the next phase starts. In one process the barrier
// counts the arrivals itself; across agents it relays them to the controller, which counts
// every agent's and answers with the instant.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace stampede::engine {

/// Thread-safety: arrive() may be called from any thread.
class phase_barrier {
 public:
  using clock = std::chrono::steady_clock;
  using start_callback = std::function<void(clock::time_point next_start)>;

  virtual ~phase_barrier() = default;
  /// Worker `worker` (its number in the run) finished `phase`. Once every worker of the run
  /// has, `on_start` is called, on any thread, with the next phase's start.
  virtual void arrive(std::size_t phase, std::uint32_t worker, start_callback on_start) = 0;
};

/// Every worker of the run is in this process.
class local_phase_barrier final : public phase_barrier {
 public:
  /// Time between the last arrival and the next phase's start: enough for every worker to be
  /// woken and waiting for it, so they start together rather than in wake-up order.
  static constexpr auto default_lead = std::chrono::milliseconds(50);

  explicit local_phase_barrier(std::uint32_t workers, clock::duration lead = default_lead)
      : workers_(workers), lead_(lead) {}

  /// The callbacks are called on the thread of the last to arrive, with that arrival plus the
  /// lead.
  void arrive(std::size_t phase, std::uint32_t /*worker*/, start_callback on_start) override {
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

/// The run's workers are spread over agents: this agent's arrivals are sent on to whoever
/// counts them all (the controller), whose answer release() passes to the workers.
class relayed_phase_barrier final : public phase_barrier {
 public:
  /// Called for each arrival, on the arriving worker's thread, without the barrier's lock.
  using arrival_sink = std::function<void(std::size_t phase, std::uint32_t worker)>;

  explicit relayed_phase_barrier(arrival_sink send) : send_(std::move(send)) {}

  void arrive(std::size_t phase, std::uint32_t worker, start_callback on_start) override {
    std::optional<clock::time_point> released;
    {
      const std::lock_guard lock(mutex_);
      if (const auto it = released_.find(phase); it != released_.end()) {
        released = it->second;  // a worker that took over after the release
      } else {
        waiting_[phase].push_back(std::move(on_start));
        pending_.insert({phase, worker});
      }
    }
    if (released) {
      on_start(*released);
      return;
    }
    send_(phase, worker);
  }

  /// Phase `phase` is over on every agent; the next starts at `start`. A repeated release
  /// changes nothing.
  void release(std::size_t phase, clock::time_point start) {
    std::vector<start_callback> ready;
    {
      const std::lock_guard lock(mutex_);
      if (!released_.emplace(phase, start).second) {
        return;
      }
      ready = std::move(waiting_[phase]);
      waiting_.erase(phase);
      std::erase_if(pending_, [phase](const auto& p) { return p.first == phase; });
    }
    for (auto& callback : ready) {
      callback(start);
    }
  }

  /// The arrivals not released yet: to send again over a new connection to the controller.
  std::vector<std::pair<std::size_t, std::uint32_t>> pending() const {
    const std::lock_guard lock(mutex_);
    return {pending_.begin(), pending_.end()};
  }

 private:
  arrival_sink send_;
  mutable std::mutex mutex_;
  std::map<std::size_t, std::vector<start_callback>> waiting_;
  std::map<std::size_t, clock::time_point> released_;
  std::set<std::pair<std::size_t, std::uint32_t>> pending_;
};

}  // namespace stampede::engine

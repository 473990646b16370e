// SPDX-License-Identifier: Apache-2.0
// A share of a run's workers, as the controller sees it. A local run is a controller with one
// in-process local_agent; a distributed run puts remote agents behind the same interface, so
// both take one code path.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/interval_report.hpp"
#include "engine/run_plan.hpp"
#include "engine/worker.hpp"

namespace stampede::engine {

class agent {
 public:
  virtual ~agent() = default;
  /// Workers this agent runs; their reports carry global worker numbers.
  virtual std::uint32_t workers() const = 0;
  virtual void start(std::chrono::steady_clock::time_point run_start) = 0;
  /// Thread-safe. See worker::stop.
  virtual void stop(bool abort) = 0;
  virtual void join() = 0;
};

/// Worker threads in this process.
class local_agent final : public agent {
 public:
  /// Runs workers [first, first + count) of `total` in the run.
  /// Phases that end by iterations end at a barrier of all the run's workers: `barrier`, or
  /// without one a barrier of this agent's when it runs them all. A takeover's workers come in
  /// at `takeovers` (one per worker).
  local_agent(std::shared_ptr<const run_plan> plan, std::uint32_t first, std::uint32_t count,
              std::uint32_t total, report_sink sink,
              std::shared_ptr<phase_barrier> barrier = nullptr,
              const std::vector<worker::takeover_point>& takeovers = {}) {
    if (!barrier && count == total) {
      barrier = std::make_shared<local_phase_barrier>(count);
    }
    for (std::uint32_t i = 0; i < count; ++i) {
      workers_.push_back(std::make_unique<worker>(first + i, total, plan, sink));
      workers_.back()->meet_at(barrier);
      if (i < takeovers.size()) {
        workers_.back()->resume_from(takeovers[i]);
      }
    }
  }
  std::uint32_t workers() const override { return static_cast<std::uint32_t>(workers_.size()); }
  void start(std::chrono::steady_clock::time_point run_start) override { start(run_start, {}); }
  /// Takes over workers mid-run: see worker::start.
  void start(std::chrono::steady_clock::time_point run_start,
             std::chrono::steady_clock::time_point resume_at) {
    for (auto& w : workers_) {
      w->start(run_start, resume_at);
    }
  }
  void stop(bool abort) override {
    for (auto& w : workers_) {
      w->stop(abort);
    }
  }
  void join() override {
    for (auto& w : workers_) {
      w->join();
    }
  }

 private:
  std::vector<std::unique_ptr<worker>> workers_;
};

}  // namespace stampede::engine

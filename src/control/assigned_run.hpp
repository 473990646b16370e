// SPDX-License-Identifier: Apache-2.0
// An agent's share of a distributed run: the campaign compiled here (the target resolved from
// where the agent runs), its workers started at the controller's instant, their reports
// handed to the agent for sending. A share can grow mid-run when this agent takes over the
// workers of one that was lost.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/agent.hpp"
#include "stampede/control/v1/control.pb.h"

namespace stampede::control {

/// Thread-safety: construct, add(), stop(), done() and the destructor from one thread at a time
/// (the agent's lock); the report callback is called on worker threads.
class assigned_run {
 public:
  using report_callback = std::function<void(v1::IntervalReport)>;
  /// A worker finished a phase that ends by iterations; called on its thread.
  using arrival_callback = std::function<void(v1::PhaseDone)>;

  /// Compiles and starts the assignment; throws std::exception with a message for the
  /// controller when the campaign cannot run here. `offset_ms` is controller clock - ours.
  assigned_run(const v1::Assignment& assignment, std::int64_t offset_ms, report_callback report,
               arrival_callback arrived);
  ~assigned_run();
  assigned_run(const assigned_run&) = delete;
  assigned_run& operator=(const assigned_run&) = delete;

  /// Starts more workers of the same run (a takeover).
  void add(const v1::Assignment& assignment, std::int64_t offset_ms);

  std::int64_t id() const { return id_; }
  /// The controller's word that every worker finished the phase: the next starts then.
  void release(const v1::PhaseStart& start, std::int64_t offset_ms);
  /// Arrivals the controller has not answered yet: sent again over a new connection.
  std::vector<v1::PhaseDone> pending_arrivals() const;
  void stop(bool abort);
  /// Every worker has sent its final report.
  bool done() const;
  /// How long the latest share's schedule begins after now (negative: it has begun).
  std::chrono::milliseconds starts_in() const { return starts_in_; }

 private:
  struct part {
    std::unique_ptr<engine::local_agent> agent;
    std::thread joiner;
    std::atomic<bool> done{false};
  };

  std::int64_t id_;
  std::shared_ptr<const engine::run_plan> plan_;
  engine::report_sink sink_;
  std::shared_ptr<engine::relayed_phase_barrier> barrier_;
  std::vector<std::unique_ptr<part>> parts_;
  bool stopped_ = false;
  std::chrono::milliseconds starts_in_{};
};

}  // namespace stampede::control

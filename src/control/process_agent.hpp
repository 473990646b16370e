// SPDX-License-Identifier: Apache-2.0
// `stampede run --processes N`: the run's workers spread over N child processes of this one, so
// a run can hold more connections than one process may open (each child has its own open-files
// limit). Each child is an agent as the run controller sees it: it runs a slice of the run's
// workers (numbered across the run, so schedules, CSV rows and source addresses split exactly)
// and sends their interval reports back through a pipe, in the form agents send them to a
// controller.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/agent.hpp"
#include "engine/run_plan.hpp"

namespace stampede::control {

/// Told when a child ended without the final reports of `workers` (it crashed or was killed).
using process_failure_sink =
    std::function<void(const std::string& message, const std::vector<std::uint32_t>& workers)>;

/// Thread-safety: as engine::agent; the sinks are called on reader threads.
class process_agent final : public engine::agent {
 public:
  /// `total` workers over `processes` children (each gets total / processes, the first ones
  /// one more when it does not divide).
  process_agent(std::shared_ptr<const engine::run_plan> plan, std::uint32_t processes,
                std::uint32_t total, engine::report_sink sink, process_failure_sink on_failure);
  ~process_agent() override;

  std::uint32_t workers() const override { return total_; }
  /// Forks the children; they start their workers at `run_start` (the monotonic clock is the
  /// same in every process).
  void start(std::chrono::steady_clock::time_point run_start) override;
  void stop(bool abort) override;
  void join() override;

  /// How many processes `stampede run --processes auto` uses for `plan`: enough that none
  /// needs more descriptors than `open_files_limit` allows, given the connections the plan's
  /// largest phase may open.
  static std::uint32_t auto_processes(const engine::run_plan& plan, std::uint64_t open_files_limit);

 private:
  struct child {
    pid_t pid = -1;
    std::uint32_t first = 0;  ///< its workers: [first, first + count)
    std::uint32_t count = 0;
    int reports = -1;  ///< read end: framed reports from the child
    int control = -1;  ///< write end: 'g' (stop gracefully) or 'a' (abort) to the child
    std::thread reader;
    std::vector<bool> finished;  ///< per worker: its final report arrived
  };

  void read_reports(child& c);
  /// In a child just forked: closes every descriptor but stdio and its two pipe ends.
  static void keep_only_descriptors(int reports, int control);
  [[noreturn]] void run_child(const child& c, int reports, int control,
                              std::chrono::steady_clock::time_point run_start);

  std::shared_ptr<const engine::run_plan> plan_;
  std::uint32_t total_;
  engine::report_sink sink_;
  process_failure_sink on_failure_;
  std::vector<std::unique_ptr<child>> children_;
  std::mutex control_mutex_;
  bool joined_ = false;
};

}  // namespace stampede::control

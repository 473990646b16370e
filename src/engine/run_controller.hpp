// SPDX-License-Identifier: Apache-2.0
// Runs a plan to the end: starts the agents at one instant, merges their interval reports
// exactly, shows progress, stores every interval, and writes the summary even when the run is
// interrupted or fails.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/agent.hpp"
#include "engine/interval_observer.hpp"
#include "engine/run_plan.hpp"
#include "engine/run_recorder.hpp"
#include "engine/sut_source.hpp"

namespace stampede::engine {

struct run_settings {
  std::string db_path = "stampede.db";  ///< empty: do not store
  std::string summary_json;             ///< --summary-json; empty: none
  std::string command_line;             ///< stored with the run
  bool progress = true;                 ///< the live line on stderr
  bool print_summary = true;            ///< the summary on stdout
  /// Where the workers run. Unset: plan->threads workers in this process. Set (stampede run
  /// --processes): `workers` workers behind the agent it returns, which reports through the
  /// sink and says through the last argument when workers were lost without their final
  /// reports (the run then goes on without them and is marked degraded).
  using lost_workers_sink =
      std::function<void(const std::string& message, const std::vector<std::uint32_t>& workers)>;
  std::function<std::unique_ptr<agent>(std::shared_ptr<const run_plan>, std::uint32_t workers,
                                       report_sink, lost_workers_sink)>
      make_agent;
  std::uint32_t workers = 0;
  std::string hosting;  ///< how the workers are hosted, for the first line ("4 processes")
  /// Told the run's id once it is stored, before its first second (the live dashboard).
  std::function<void(std::int64_t run_id)> on_stored;
  /// Follows the run's seconds besides the database (the outputs); may be null.
  std::shared_ptr<interval_observer> observer;
  /// The system under test's monitors sampled each second (`--monitor-pid`); may be null.
  std::shared_ptr<sut_source> monitors;
};

/// Runs in the calling thread; installs SIGINT/SIGTERM handlers for the run's duration: the
/// first signal stops gracefully, the second aborts. Either way the summary is written.
run_outcome execute_run(std::shared_ptr<const run_plan> plan, const run_settings& settings);

}  // namespace stampede::engine

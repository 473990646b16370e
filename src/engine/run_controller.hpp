// SPDX-License-Identifier: Apache-2.0
// Runs a plan to the end: starts the agents at one instant, merges their interval reports
// exactly, shows progress, stores every interval, and writes the summary even when the run is
// interrupted or fails.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/run_plan.hpp"
#include "engine/run_recorder.hpp"

namespace stampede::engine {

struct run_settings {
  std::string db_path = "stampede.db";  ///< empty: do not store
  std::string summary_json;             ///< --summary-json; empty: none
  std::string command_line;             ///< stored with the run
  bool progress = true;                 ///< the live line on stderr
  bool print_summary = true;            ///< the summary on stdout
};

/// Runs in the calling thread; installs SIGINT/SIGTERM handlers for the run's duration: the
/// first signal stops gracefully, the second aborts. Either way the summary is written.
run_outcome execute_run(std::shared_ptr<const run_plan> plan, const run_settings& settings);

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// Running a program (ssh, scp) to completion and reading what it printed.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace stampede::deploy {

struct command_result {
  int exit_code = -1;  ///< -1 when it could not be started or died of a signal
  std::string output;  ///< stdout and stderr together
};

/// Runs argv[0] (looked up in PATH) with stdin from /dev/null and waits for it.
command_result run_command(const std::vector<std::string>& argv);

/// Starts argv[0] in a session of its own (a Ctrl-C in this terminal does not reach it), with
/// stdin from /dev/null and stdout and stderr appended to `log`; does not wait. Returns its
/// PID; throws std::runtime_error when it cannot be started.
pid_t start_detached(const std::vector<std::string>& argv, const std::string& log);

}  // namespace stampede::deploy

// SPDX-License-Identifier: Apache-2.0
// The subcommands of the `stampede` binary. Each lives in its own <name>_command.cpp, registers
// itself on the application and, when it runs, stores the process exit code in `exit_code`.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace stampede::cli {

/// Process exit codes, the contract with CI pipelines.
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int runtime_failure = 1;
inline constexpr int usage_error = 2;  ///< bad flags or a bad campaign file
inline constexpr int threshold_failed = 99;
/// Stopped from outside (Ctrl-C, SIGTERM, `stampede stop`), summary and results still written;
/// k6's code for an external abort. Precedence: 1 > 105 > 99 > 0.
inline constexpr int interrupted = 105;
}  // namespace exit_code

/// The command line as typed, stored with each run. Set once by main().
std::string& invocation();

void register_run_command(CLI::App& app, int& exit_code);
void register_validate_command(CLI::App& app, int& exit_code);
void register_runs_command(CLI::App& app, int& exit_code);
void register_show_command(CLI::App& app, int& exit_code);
void register_report_command(CLI::App& app, int& exit_code);
void register_target_command(CLI::App& app, int& exit_code);
void register_doctor_command(CLI::App& app, int& exit_code);
void register_controller_command(CLI::App& app, int& exit_code);
void register_campaign_command(CLI::App& app, int& exit_code);
void register_ping_command(CLI::App& app, int& exit_code);
void register_agent_command(CLI::App& app, int& exit_code);
void register_agents_command(CLI::App& app, int& exit_code);
void register_monitor_command(CLI::App& app, int& exit_code);
/// `agents up`, `agents down` and `agents manifest`, under the `agents` command.
void add_agents_deploy_commands(CLI::App& agents, int& exit_code);
void register_start_command(CLI::App& app, int& exit_code);
void register_status_command(CLI::App& app, int& exit_code);
void register_attach_command(CLI::App& app, int& exit_code);
void register_stop_command(CLI::App& app, int& exit_code);

}  // namespace stampede::cli

// SPDX-License-Identifier: Apache-2.0
// `stampede monitor`: runs on the server's host and streams its samples to the controller, for
// every run there to record on its timeline (docs/monitor.md).
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/run_until_signal.hpp"
#include "control/monitor_client.hpp"

namespace stampede::cli {

void register_monitor_command(CLI::App& app, int& exit) {
  auto options = std::make_shared<control::monitor_options>();
  auto* cmd = app.add_subcommand(
      "monitor",
      "Watch a process of the system under test and stream a sample a second to a controller: "
      "every run there records it (docs/monitor.md)");
  cmd->add_option("--controller", options->settings.controller,
                  "Controller HOST:PORT (or STAMPEDE_CONTROLLER)");
  cmd->add_option("--token-file", options->settings.token_file,
                  "File holding the controller's monitor-token (or its token; or "
                  "STAMPEDE_TOKEN_FILE)");
  cmd->add_option("--ca", options->settings.ca_file,
                  "The controller's CA certificate: the monitor trusts no other (or STAMPEDE_CA)");
  cmd->add_option("--name", options->target.name,
                  "The series' name (default: the process's command, or the cgroup's last part)");
  auto* pid = cmd->add_option("--pid", options->target.pid, "The process to watch");
  auto* process = cmd->add_option("--process", options->target.process,
                                  "Watch every process of this command (/proc/PID/comm)");
  auto* cgroup =
      cmd->add_option("--cgroup", options->target.cgroup, "Watch the processes of this cgroup");
  pid->excludes(process)->excludes(cgroup);
  process->excludes(cgroup);
  cmd->callback([options, pid, process, cgroup, &exit] {
    if (pid->count() + process->count() + cgroup->count() != 1) {
      std::cerr << "stampede monitor: give what to watch: --pid, --process or --cgroup\n";
      exit = exit_code::usage_error;
      return;
    }
    try {
      options->settings.complete_from_environment();
    } catch (const std::invalid_argument& e) {
      std::cerr << "stampede monitor: " << e.what() << "\n";
      exit = exit_code::usage_error;
      return;
    }
    auto& target = options->target;
    if (target.pid > 0 && target.name.empty()) {
      std::ifstream comm("/proc/" + std::to_string(target.pid) + "/comm");
      if (!comm) {
        std::cerr << "stampede monitor: --pid " << target.pid << ": no such process\n";
        exit = exit_code::usage_error;
        return;
      }
      std::getline(comm, target.name);
    }
    target.name = monitor::default_name(target);
    exit = run_until_signal("monitor",
                            [&] { return std::make_unique<control::monitor_client>(*options); });
  });
}

}  // namespace stampede::cli

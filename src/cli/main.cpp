// SPDX-License-Identifier: Apache-2.0
// stampede: load testing that tells the truth. The subcommands live in src/cli/*_command.cpp.
#include <malloc.h>

#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/commands.hpp"

std::string& stampede::cli::invocation() {
  static std::string text;
  return text;
}

int main(int argc, char** argv) {
  using namespace stampede::cli;
  // Every second each worker (and, on a controller, each agent report) gets fresh metric sets of
  // about 1 MiB. glibc would map and unmap each from the kernel and fault its pages in again;
  // kept on the heap they are reused. (The release binary links jemalloc, which reuses them
  // by itself and ignores these; sanitizer builds run on glibc's malloc.)
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  // The command line as a run stores it: the values of -e/--env (often secrets) left out.
  const auto hidden = [](std::string arg) {
    const auto eq = arg.find('=');
    return eq == std::string::npos ? arg : arg.substr(0, eq + 1) + "(hidden)";
  };
  for (int i = 0; i < argc; ++i) {
    std::string arg = i == 0 ? "stampede" : argv[i];
    const std::string_view prev = i > 0 ? argv[i - 1] : "";
    if (prev == "-e" || prev == "--env") {
      arg = hidden(arg);
    } else if (arg.rfind("--env=", 0) == 0) {
      arg = "--env=" + hidden(arg.substr(6));
    } else if (arg.size() > 2 && arg.rfind("-e", 0) == 0 && arg[2] != '-') {
      arg = "-e" + hidden(arg.substr(2));
    }
    invocation() += (i == 0 ? "" : " ") + arg;
  }
  CLI::App app{"stampede: load testing for HTTP services, from one machine to a fleet", "stampede"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "stampede 0.1.0");
  int exit = exit_code::ok;
  register_run_command(app, exit);
  register_validate_command(app, exit);
  register_runs_command(app, exit);
  register_show_command(app, exit);
  register_report_command(app, exit);
  register_target_command(app, exit);
  register_doctor_command(app, exit);
  register_controller_command(app, exit);
  register_campaign_command(app, exit);
  register_ping_command(app, exit);
  register_agent_command(app, exit);
  register_agents_command(app, exit);
  register_monitor_command(app, exit);
  register_start_command(app, exit);
  register_status_command(app, exit);
  register_attach_command(app, exit);
  register_stop_command(app, exit);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? exit_code::ok : exit_code::usage_error;
  } catch (const std::exception& e) {
    std::cerr << "stampede: " << e.what() << "\n";
    return exit_code::runtime_failure;
  }
  return exit;
}

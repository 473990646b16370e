// SPDX-License-Identifier: Apache-2.0
// `stampede agent` (a load-generating agent) and `stampede agents` (what a controller sees).
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/controller_connection.hpp"
#include "cli/run_until_signal.hpp"
#include "control/agent_runner.hpp"

namespace stampede::cli {
namespace {

std::string age(std::int64_t now_ms, std::int64_t then_ms) {
  if (then_ms == 0) {
    return "never";
  }
  const double s = static_cast<double>(now_ms - then_ms) / 1000.0;
  return s < 120 ? fmt::format("{:.1f}s ago", s) : fmt::format("{:.0f}m ago", s / 60);
}

}  // namespace

void register_agent_command(CLI::App& app, int& exit) {
  auto options = std::make_shared<control::agent_options>();
  auto* cmd = app.add_subcommand(
      "agent",
      "Run an agent: connects out to a controller, registers, heartbeats every second and runs "
      "what it is assigned");
  cmd->add_option("--controller", options->settings.controller,
                  "Controller HOST:PORT (or STAMPEDE_CONTROLLER)");
  cmd->add_option("--token-file", options->settings.token_file,
                  "File holding the controller's token (or STAMPEDE_TOKEN_FILE)");
  cmd->add_option("--ca", options->settings.ca_file,
                  "The controller's CA certificate: the agent trusts no other (or STAMPEDE_CA)");
  cmd->add_option("--name", options->name, "Name to register under (default HOSTNAME-PID)");
  cmd->add_option("--spool", options->spool_dir,
                  "Directory keeping reports until the controller has them (default "
                  "/tmp/stampede-spool-NAME)");
  // For testing version-skew refusals; not part of the interface.
  cmd->add_option("--protocol-version", options->protocol)->group("");
  cmd->callback([options, &exit] {
    try {
      options->settings.complete_from_environment();
    } catch (const std::invalid_argument& e) {
      std::cerr << "stampede agent: " << e.what() << "\n";
      exit = exit_code::usage_error;
      return;
    }
    exit = run_until_signal("agent",
                            [&] { return std::make_unique<control::agent_runner>(*options); });
  });
}

void register_agents_command(CLI::App& app, int& exit) {
  auto settings = std::make_shared<control::client_settings>();
  auto* cmd = app.add_subcommand(
      "agents",
      "List the agents a controller knows, with their health; or start and stop agents (up, "
      "down, manifest)");
  cmd->require_subcommand(0, 1);
  add_connection_flags(cmd, *settings);
  add_agents_deploy_commands(*cmd, exit);
  cmd->callback([cmd, settings, &exit] {
    if (!cmd->get_subcommands().empty()) {
      return;  // up, down or manifest ran
    }
    exit = with_client(*settings, [](control::control_client& client) {
      const auto reply = client.list_agents();
      if (reply.agents().empty()) {
        std::cout << "no agents have registered\n";
      } else {
        std::cout << fmt::format("{:<24} {:<9} {:>14} {:>5} {:>10} {:<8} {:>12} {}\n", "name",
                                 "health", "heartbeat", "cores", "open files", "version",
                                 "clock offset", "assignment");
      }
      for (const auto& a : reply.agents()) {
        std::cout << fmt::format("{:<24} {:<9} {:>14} {:>5} {:>10} {:<8} {:>12} {}\n", a.name(),
                                 a.connected() ? "healthy" : "lost",
                                 age(reply.controller_time_ms(), a.last_heartbeat_ms()), a.cores(),
                                 a.open_files(), a.version(),
                                 fmt::format("{} ms", a.clock_offset_ms()),
                                 a.assignment().empty() ? "idle" : a.assignment());
      }
      return exit_code::ok;
    });
  });
}

}  // namespace stampede::cli

// SPDX-License-Identifier: Apache-2.0
// Commands against a controller: `stampede campaign add|update|ls|show|rm` and `stampede ping`.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/controller_connection.hpp"
#include "control/control_client.hpp"
#include "control/credentials.hpp"
#include "metrics/summary_report.hpp"
#include "scenario/campaign_parser.hpp"

namespace stampede::cli {
namespace {

std::string describe(const control::v1::Campaign& c) {
  auto text = fmt::format("{}: {} phase{}, {} scenario{}, {:.0f}s", c.name(), c.phases(),
                          c.phases() == 1 ? "" : "s", c.scenarios(), c.scenarios() == 1 ? "" : "s",
                          c.duration_s());
  if (c.data_rows() > 0) {
    text += fmt::format(", {} data rows", c.data_rows());
  }
  return text;
}

/// Reads and validates a campaign file here, where its data files are, before sending it.
/// Its {{env.NAME}} are left as written: their values come with each `stampede start`.
int put(control::control_client& client, const std::string& file, std::string name, bool update) {
  const auto campaign = scenario::load_campaign_file(
      file, scenario::run_parameters::values_later());  // throws campaign_error
  if (name.empty()) {
    name = campaign.name;
  }
  // The data file goes along: agents take their rows from it, wherever they run.
  const auto data_text = campaign.data ? control::read_file(campaign.data->file) : std::string();
  const auto c = client.add_campaign(name, campaign.source_text, file, data_text, update);
  std::cout << (update ? "updated " : "added ") << describe(c) << "\n";
  return exit_code::ok;
}

}  // namespace

void register_campaign_command(CLI::App& app, int& exit) {
  auto settings = std::make_shared<control::client_settings>();
  auto* cmd = app.add_subcommand("campaign", "Manage the campaigns a controller keeps");
  cmd->require_subcommand(1);

  struct put_flags {
    std::string file;
    std::string name;
  };
  auto add = std::make_shared<put_flags>();
  auto* add_cmd = cmd->add_subcommand("add", "Validate a campaign file and store it");
  add_cmd->add_option("file", add->file, "Campaign file (YAML)")->required();
  add_cmd->add_option("--name", add->name, "Name to store it under (default: its name)");
  add_connection_flags(add_cmd, *settings);
  add_cmd->callback([=, &exit] {
    exit = with_client(*settings,
                       [&](auto& client) { return put(client, add->file, add->name, false); });
  });

  auto update = std::make_shared<put_flags>();
  auto* update_cmd = cmd->add_subcommand("update", "Replace a stored campaign with a new file");
  update_cmd->add_option("name", update->name, "Stored campaign name")->required();
  update_cmd->add_option("file", update->file, "Campaign file (YAML)")->required();
  add_connection_flags(update_cmd, *settings);
  update_cmd->callback([=, &exit] {
    exit = with_client(*settings,
                       [&](auto& client) { return put(client, update->file, update->name, true); });
  });

  auto* ls_cmd = cmd->add_subcommand("ls", "List stored campaigns");
  add_connection_flags(ls_cmd, *settings);
  ls_cmd->callback([=, &exit] {
    exit = with_client(*settings, [](auto& client) {
      const auto all = client.list_campaigns();
      if (all.empty()) {
        std::cout << "no campaigns stored\n";
      }
      for (const auto& c : all) {
        std::cout << describe(c) << "\n";
      }
      return exit_code::ok;
    });
  });

  auto show_name = std::make_shared<std::string>();
  auto* show_cmd = cmd->add_subcommand("show", "Print a stored campaign");
  show_cmd->add_option("name", *show_name, "Stored campaign name")->required();
  add_connection_flags(show_cmd, *settings);
  show_cmd->callback([=, &exit] {
    exit = with_client(*settings, [&](auto& client) {
      const auto c = client.get_campaign(*show_name);
      std::cout << "# " << describe(c) << " (from " << c.source_file() << ")\n" << c.text();
      return exit_code::ok;
    });
  });

  auto rm_name = std::make_shared<std::string>();
  auto* rm_cmd = cmd->add_subcommand("rm", "Remove a stored campaign");
  rm_cmd->add_option("name", *rm_name, "Stored campaign name")->required();
  add_connection_flags(rm_cmd, *settings);
  rm_cmd->callback([=, &exit] {
    exit = with_client(*settings, [&](auto& client) {
      client.remove_campaign(*rm_name);
      std::cout << "removed " << *rm_name << "\n";
      return exit_code::ok;
    });
  });
}

void register_ping_command(CLI::App& app, int& exit) {
  auto settings = std::make_shared<control::client_settings>();
  auto* cmd = app.add_subcommand("ping", "Ask a controller for its version, agents and runs");
  add_connection_flags(cmd, *settings);
  cmd->callback([=, &exit] {
    exit = with_client(*settings, [&](auto& client) {
      const auto r = client.ping();
      std::cout << fmt::format("controller at {}: stampede {} (protocol {})\n",
                               settings->controller, r.version(), r.protocol_version());
      std::cout << fmt::format("{} agent{} registered, {} campaign{} stored\n",
                               r.agents_registered(), r.agents_registered() == 1 ? "" : "s",
                               r.campaigns(), r.campaigns() == 1 ? "" : "s");
      if (r.running().empty()) {
        std::cout << "nothing is running right now\n";
      }
      for (const auto& run : r.running()) {
        std::cout << "running: " << run << "\n";
      }
      return exit_code::ok;
    });
  });
}

}  // namespace stampede::cli

// SPDX-License-Identifier: Apache-2.0
// `stampede validate FILE`: checks a campaign without running it.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/duration_text.hpp"
#include "scenario/campaign_parser.hpp"

namespace stampede::cli {

void register_validate_command(CLI::App& app, int& exit) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("validate",
                                 "Check a campaign file without running it (exit 2 on any error)");
  cmd->add_option("file", *file, "Campaign file (YAML)")->required();
  cmd->callback([file, &exit] {
    try {
      const auto c = scenario::load_campaign_file(*file);
      std::chrono::nanoseconds total{};
      for (const auto& p : c.phases) {
        total += p.length;
      }
      std::cout << fmt::format("{}: ok: {} phase{} ({}), {} scenario{}, {} threshold{}\n", *file,
                               c.phases.size(), c.phases.size() == 1 ? "" : "s",
                               core::format_duration(total), c.scenarios.size(),
                               c.scenarios.size() == 1 ? "" : "s", c.thresholds.size(),
                               c.thresholds.size() == 1 ? "" : "s");
      exit = exit_code::ok;
    } catch (const scenario::campaign_error& e) {
      std::cerr << "stampede: " << e.what() << "\n";
      exit = exit_code::usage_error;
    }
  });
}

}  // namespace stampede::cli

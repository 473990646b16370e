// SPDX-License-Identifier: Apache-2.0
// `stampede validate FILE`: checks a campaign without running it.
#include <iostream>

#include <fmt/format.h>

#include "cli/campaign_error_text.hpp"
#include "cli/commands.hpp"
#include "cli/run_parameter_flags.hpp"
#include "core/duration_text.hpp"
#include "outputs/output_set.hpp"
#include "scenario/campaign_parser.hpp"
#include "scenario/campaign_warnings.hpp"

namespace stampede::cli {

void register_validate_command(CLI::App& app, int& exit) {
  struct flags {
    std::string file;
    parameter_flags parameters;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand("validate",
                                 "Check a campaign file without running it (exit 2 on any error)");
  cmd->add_option("file", f->file, "Campaign file (YAML)")->required();
  add_parameter_flags(cmd, f->parameters);
  cmd->callback([f, &exit] {
    const auto* file = &f->file;
    try {
      const auto c = scenario::load_campaign_file(*file, parameters_of(f->parameters));
      outputs::campaign_outputs(c);  // its outputs: as a run would take them
      for (const auto& w : scenario::campaign_warnings(c)) {
        std::cerr << "stampede: " << w << "\n";
      }
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
      std::cerr << campaign_error_text(e);
      exit = exit_code::usage_error;
    } catch (const std::invalid_argument& e) {
      std::cerr << "stampede validate: " << e.what() << "\n";
      exit = exit_code::usage_error;
    }
  });
}

}  // namespace stampede::cli

// SPDX-License-Identifier: Apache-2.0
// `stampede doctor`: what limits connections here, and the exact commands that raise it.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/system_limits.hpp"

namespace stampede::cli {

void register_doctor_command(CLI::App& app, int& exit) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "doctor",
      "Check what limits concurrent connections on this machine (open files, ports, backlog, "
      "memory) and print the commands that raise each limit");
  cmd->add_flag("--json", *json, "Print the findings as JSON");
  cmd->callback([json, &exit] {
    const auto readings = core::read_system();
    const auto findings = core::assess(readings);
    if (*json) {
      auto out = nlohmann::json::array();
      for (const auto& f : findings) {
        out.push_back({{"name", f.name},
                       {"current", f.current},
                       {"allows", f.allows},
                       {"ok", f.ok},
                       {"fix", f.fix}});
      }
      std::cout << out.dump(2) << "\n";
      exit = exit_code::ok;
      return;
    }
    std::size_t width = 0;
    for (const auto& f : findings) {
      width = std::max(width, f.name.size());
    }
    for (const auto& f : findings) {
      std::cout << fmt::format("{} {:<{}}  {}\n", f.ok ? "ok  " : "warn", f.name, width, f.current);
      std::cout << fmt::format("     {:<{}}  {}\n", "", width, f.allows);
      if (!f.fix.empty()) {
        std::cout << fmt::format("     {:<{}}  fix: {}\n", "", width, f.fix);
      }
    }
    std::cout << fmt::format(
        "\none stampede process holds up to ~{} connections; this machine's memory, ~{} "
        "loopback connection pairs.\n",
        core::connections_per_process(readings), core::connection_pairs_by_memory(readings));
    exit = exit_code::ok;
  });
}

}  // namespace stampede::cli

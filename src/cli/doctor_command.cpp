// SPDX-License-Identifier: Apache-2.0
// `stampede doctor`: what limits concurrent connections here, and the exact commands that
// raise each limit.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/system_limits.hpp"

namespace stampede::cli {
namespace {

std::string count_or_unknown(const std::optional<std::uint64_t>& n) {
  return n ? core::approximate_count(*n) : std::string("an unknown number of");
}

void print_table(const std::vector<core::finding>& findings, const core::capacity_estimate& e) {
  std::size_t name_width = 5;     // "CHECK"
  std::size_t current_width = 7;  // "CURRENT"
  for (const auto& f : findings) {
    name_width = std::max(name_width, f.name.size());
    current_width = std::max(current_width, f.current.size());
  }
  std::cout << fmt::format("      {:<{}}  {:<{}}  {}\n", "CHECK", name_width, "CURRENT",
                           current_width, "ALLOWS");
  for (const auto& f : findings) {
    std::cout << fmt::format("{:<4}  {:<{}}  {:<{}}  {}\n", core::to_string(f.status), f.name,
                             name_width, f.current, current_width, f.allows);
    if (!f.fix.empty()) {
      std::cout << fmt::format("      fix: {}\n", f.fix);
    }
  }
  const auto warnings = std::count_if(findings.begin(), findings.end(), [](const auto& f) {
    return f.status == core::finding_status::warn;
  });
  std::cout << fmt::format("\n{} of {} checks ok.", findings.size() - warnings, findings.size());
  std::cout << fmt::format("\nEstimate: one stampede process can hold {} concurrent connections",
                           count_or_unknown(e.per_process));
  if (e.per_process) {
    std::cout << fmt::format(" (limited by {})", e.per_process_limited_by);
  }
  std::cout << fmt::format("; this machine, {} connection pairs with the target here too",
                           count_or_unknown(e.pairs_per_machine));
  if (e.pairs_per_machine) {
    std::cout << fmt::format(" (limited by {})", e.pairs_per_machine_limited_by);
  }
  if (e.per_source_address) {
    std::cout << fmt::format("; at most {} to one target address from one source IP",
                             *e.per_source_address);
  }
  std::cout << ".\n";
}

/// An array of findings, one object each: {name, current, allows, status ("ok" or "warn"),
/// ok (the same as a boolean), fix}.
void print_json(const std::vector<core::finding>& findings) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& f : findings) {
    list.push_back({{"name", f.name},
                    {"current", f.current},
                    {"allows", f.allows},
                    {"status", core::to_string(f.status)},
                    {"ok", f.status == core::finding_status::ok},
                    {"fix", f.fix}});
  }
  std::cout << list.dump(2) << "\n";
}

}  // namespace

void register_doctor_command(CLI::App& app, int& exit) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "doctor",
      "Check what limits concurrent connections on this machine (open files, ephemeral ports, "
      "listen backlogs, TIME_WAIT reuse, connection tracking, memory) and print the exact "
      "command that raises each limit");
  cmd->footer(
      "Each line is ok or warn, with what the current value allows and, for warnings, the\n"
      "command to run (ulimit applies to the current shell; sysctl -w needs root and lasts\n"
      "until reboot: put the setting in /etc/sysctl.d/ to keep it). The closing line estimates\n"
      "how many concurrent connections one process and this machine can hold.\n"
      "Exit code 0, or 1 when no limit could be read at all.");
  cmd->add_flag("--json", *json,
                "Print the findings as a JSON array of {name, current, allows, status, ok, fix} "
                "instead of the table");
  cmd->callback([json, &exit] {
    const auto readings = core::read_system();
    if (!readings.any()) {
      std::cerr << "stampede doctor: could not read any limit (getrlimit and /proc both failed)\n";
      exit = exit_code::runtime_failure;
      return;
    }
    const auto findings = core::assess(readings);
    if (*json) {
      print_json(findings);
    } else {
      print_table(findings, core::estimate(readings));
    }
    exit = exit_code::ok;
  });
}

}  // namespace stampede::cli

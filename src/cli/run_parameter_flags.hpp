// SPDX-License-Identifier: Apache-2.0
// -e/--env NAME=VALUE and --target URL: a run's parameters, for the commands that read a
// campaign file (run, validate) and for `start`.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "scenario/run_parameters.hpp"

namespace stampede::cli {

struct parameter_flags {
  std::vector<std::string> env;  ///< "NAME=VALUE", as given
  std::string target;
};

inline void add_parameter_flags(CLI::App* cmd, parameter_flags& f) {
  cmd->add_option("-e,--env", f.env,
                  "NAME=VALUE: the value of {{env.NAME}} in the campaign (repeatable; without "
                  "it, the environment variable NAME)");
  cmd->add_option("--target", f.target, "Replaces the campaign's target URL");
}

/// The values -e gives, by name; throws std::invalid_argument naming the flag.
inline std::map<std::string, std::string> values_of(const parameter_flags& f) {
  std::map<std::string, std::string> given;
  for (const auto& item : f.env) {
    const auto eq = item.find('=');
    const auto name = item.substr(0, eq);
    const bool valid =
        eq != std::string::npos && !name.empty() &&
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
            std::string::npos &&
        !(name[0] >= '0' && name[0] <= '9');
    if (!valid) {
      throw std::invalid_argument(
          fmt::format("-e: expected NAME=VALUE (NAME of letters, digits and _), got '{}'", item));
    }
    given[name] = item.substr(eq + 1);
  }
  return given;
}

/// The parameters the flags give; throws std::invalid_argument naming the flag.
inline scenario::run_parameters parameters_of(const parameter_flags& f) {
  scenario::run_parameters params(values_of(f));
  if (!f.target.empty()) {
    params.target = f.target;
  }
  return params;
}

}  // namespace stampede::cli

// SPDX-License-Identifier: Apache-2.0
// A run's parameters: the values `{{env.NAME}}` stands for in a campaign (k6's -e, a CI
// pipeline's secrets), given with `-e NAME=VALUE` or taken from the process environment. They
// are written into the campaign's templates when it is read, so they cost nothing per request,
// and they are never part of the campaign text a run stores.
//
// Thread-safety: immutable once built.
#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "scenario/template_string.hpp"

namespace stampede::scenario {

class run_parameters final : public variable_source {
 public:
  /// The prefix of a parameter's name in templates: {{env.TOKEN}}.
  static constexpr std::string_view prefix = "env.";

  /// `given` first (-e), then, when `use_environment`, the process environment.
  explicit run_parameters(std::map<std::string, std::string> given = {},
                          bool use_environment = true)
      : given_(std::move(given)), use_environment_(use_environment) {}

  /// `--target URL`: replaces the campaign's target (then optional in the file).
  std::optional<std::string> target;

  /// "env.NAME": its value; any other name, or a parameter not given: nullptr.
  const std::string* find(std::string_view name) const override {
    if (name.substr(0, prefix.size()) != prefix) {
      return nullptr;
    }
    const std::string key(name.substr(prefix.size()));
    if (const auto it = given_.find(key); it != given_.end()) {
      return &it->second;
    }
    if (!use_environment_) {
      return nullptr;
    }
    const char* value = std::getenv(key.c_str());
    if (value == nullptr) {
      return nullptr;
    }
    // Kept so the pointer stays valid; the environment is read while a campaign loads.
    return &from_environment_.try_emplace(key, value).first->second;
  }

 private:
  std::map<std::string, std::string> given_;
  bool use_environment_ = true;
  mutable std::map<std::string, std::string> from_environment_;
};

}  // namespace stampede::scenario

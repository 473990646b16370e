// SPDX-License-Identifier: Apache-2.0
// A run's parameters: the values `{{env.NAME}}` stands for in a campaign (k6's -e, a CI
// pipeline's secrets), given with `-e NAME=VALUE` or taken from the process environment. They
// are written into the campaign's templates when it is read, so they cost nothing per request,
// and they are never part of the campaign text a run stores.
//
// Thread-safety: one campaign read at a time (find() keeps what it looked up).
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

  /// `given` first (-e), then, when `use_environment`, the process environment. A controller
  /// and its agents take `given` only: their own environment is not what the run was given.
  explicit run_parameters(std::map<std::string, std::string> given = {},
                          bool use_environment = true)
      : given_(std::move(given)), use_environment_(use_environment) {}

  /// Checks a campaign whose values come later: a controller storing it, or a restarted
  /// controller rebuilding a run whose values it never kept. A parameter not given is then no
  /// error (its template keeps `{{env.NAME}}`), and a target made of parameters is taken as
  /// `stand_in_target` with the checks that depend on its scheme left for the run.
  static run_parameters values_later(std::map<std::string, std::string> given = {},
                                     bool use_environment = false) {
    run_parameters p(std::move(given), use_environment);
    p.values_later_ = true;
    return p;
  }

  /// What a campaign read with values_later() has for a target whose value is not known yet.
  static constexpr std::string_view stand_in_target = "http://run-parameters.invalid";

  /// `--target URL`: replaces the campaign's target (then optional in the file).
  std::optional<std::string> target;

  bool values_come_later() const { return values_later_; }

  /// "env.NAME": its value; any other name, or a parameter not given: nullptr.
  const std::string* find(std::string_view name) const override {
    if (name.substr(0, prefix.size()) != prefix) {
      return nullptr;
    }
    const std::string key(name.substr(prefix.size()));
    const std::string* value = nullptr;
    if (const auto it = given_.find(key); it != given_.end()) {
      value = &it->second;
    } else if (const char* env = use_environment_ ? std::getenv(key.c_str()) : nullptr) {
      // Kept so the pointer stays valid; the environment is read while a campaign loads.
      value = &from_environment_.try_emplace(key, env).first->second;
    }
    if (value != nullptr) {
      used_.insert_or_assign(key, *value);
    }
    return value;
  }

  /// The parameters the campaigns read so far used and had values for, by name: what a
  /// distributed run carries to its agents (and nothing the campaign does not use).
  const std::map<std::string, std::string>& used() const { return used_; }

 private:
  std::map<std::string, std::string> given_;
  bool use_environment_ = true;
  bool values_later_ = false;
  mutable std::map<std::string, std::string> from_environment_;
  mutable std::map<std::string, std::string> used_;
};

}  // namespace stampede::scenario

// SPDX-License-Identifier: Apache-2.0
#include "scenario/variable_ledger.hpp"

#include <string_view>

#include <fmt/format.h>

#include "scenario/yaml_reader.hpp"

namespace stampede::scenario::detail {

void variable_ledger::note_use(const std::string& name, int line, const std::string& field) {
  if (noted_.emplace(name, line, field).second) {
    uses_.push_back({name, line, field});
  }
}

std::vector<campaign_problem> variable_ledger::undefined(
    const std::string& file, const std::vector<std::string>& columns) const {
  std::vector<std::string_view> defined(captured_.begin(), captured_.end());
  defined.insert(defined.end(), columns.begin(), columns.end());
  std::vector<campaign_problem> out;
  for (const auto& u : uses_) {
    if (contains(defined, u.name)) {
      continue;
    }
    auto message = fmt::format(
        "{{{{{}}}}} is not defined: no capture, data column or run parameter gives it", u.name);
    if (const auto hint = closest(u.name, defined)) {
      message += fmt::format("; did you mean '{}'?", *hint);
    }
    out.push_back({file, u.line, u.field, std::move(message)});
  }
  return out;
}

}  // namespace stampede::scenario::detail

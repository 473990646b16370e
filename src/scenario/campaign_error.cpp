// SPDX-License-Identifier: Apache-2.0
#include "scenario/campaign_error.hpp"

#include <fmt/format.h>

namespace stampede::scenario {
namespace {

std::string lines_of(const std::vector<campaign_problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) {
      out += '\n';
    }
    out += p.text();
  }
  return out;
}

}  // namespace

std::string campaign_problem::text() const {
  return fmt::format("{}:{}: {}: {}", file, line, field, message);
}

campaign_error::campaign_error(std::string file, int line, std::string field, std::string message)
    : campaign_error(std::vector<campaign_problem>{
          {std::move(file), line, std::move(field), std::move(message)}}) {}

campaign_error::campaign_error(std::vector<campaign_problem> problems)
    : std::runtime_error(lines_of(problems)), problems_(std::move(problems)) {}

}  // namespace stampede::scenario

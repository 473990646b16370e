// SPDX-License-Identifier: Apache-2.0
// A campaign's errors as the CLI prints them on stderr.
#pragma once

#include <string>

#include "scenario/campaign_error.hpp"

namespace stampede::cli {

/// One line per problem, each "stampede: FILE:LINE: FIELD: message\n", so every line of a long
/// list says where it comes from.
inline std::string campaign_error_text(const scenario::campaign_error& e) {
  std::string out;
  for (const auto& p : e.problems()) {
    out += "stampede: " + p.text() + "\n";
  }
  return out;
}

}  // namespace stampede::cli

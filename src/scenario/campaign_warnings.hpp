// SPDX-License-Identifier: Apache-2.0
// What a valid campaign may not mean to do: printed by `validate` and `run`, never an error.
#pragma once

#include <string>
#include <vector>

#include "scenario/campaign.hpp"

namespace stampede::scenario {

/// Each warning as "file:line: field: warning: text".
std::vector<std::string> campaign_warnings(const campaign& c);

}  // namespace stampede::scenario

// SPDX-License-Identifier: Apache-2.0
// Reads a scenario's flow (see step_reader.cpp). Internal to the campaign parser.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "scenario/yaml_reader.hpp"

namespace stampede::scenario::detail {

/// What YAML aliases may expand to, counted over all of a campaign's flows as they are read.
struct flow_budget {
  std::size_t steps = 0;
  std::size_t body_bytes = 0;  ///< bodies and messages copied into steps
};

/// The steps of the flow at `n`. Each step's error is kept in r.errors() and the next step read;
/// throws errors_reported when some step had one (campaign_error when the list itself is bad).
std::vector<step> read_flow(const node_reader& r, flow_budget& budget, const YAML::Node& n,
                            const std::string& field);

}  // namespace stampede::scenario::detail

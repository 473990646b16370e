// SPDX-License-Identifier: Apache-2.0
// Reads a campaign's phases (see phase_reader.cpp). Internal to the campaign parser.
#pragma once

#include <string>

#include "scenario/yaml_reader.hpp"

namespace stampede::scenario::detail {

/// The phase at `n`; throws campaign_error at the offending line and field.
struct phase read_phase(const node_reader& r, const YAML::Node& n, const std::string& field);

}  // namespace stampede::scenario::detail

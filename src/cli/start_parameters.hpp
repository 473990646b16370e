// SPDX-License-Identifier: Apache-2.0
// The run parameters `stampede start` sends with a distributed run: what the person starting
// it gave, read where they start it.
#pragma once

#include <map>
#include <string>

#include "cli/run_parameter_flags.hpp"
#include "stampede/control/v1/control.pb.h"

namespace stampede::cli {

/// The values of the {{env.NAME}} that `stored` uses: each from -e, else from this process's
/// environment (as a local run takes them), so that neither the controller's nor an agent's
/// environment ever fills one. -e values the campaign does not use stay here. A parameter
/// given neither way is left out: the controller refuses the run with the campaign error
/// naming its field. Throws std::invalid_argument for a malformed -e or --target.
std::map<std::string, std::string> start_parameters(const parameter_flags& flags,
                                                    const control::v1::Campaign& stored);

}  // namespace stampede::cli

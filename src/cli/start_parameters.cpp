// SPDX-License-Identifier: Apache-2.0
#include "cli/start_parameters.hpp"

#include "scenario/campaign_parser.hpp"

namespace stampede::cli {

std::map<std::string, std::string> start_parameters(const parameter_flags& flags,
                                                    const control::v1::Campaign& stored) {
  auto params = scenario::run_parameters::values_later(values_of(flags), true);
  if (!flags.target.empty()) {
    params.target = flags.target;
  }
  try {
    // Read here only to learn which parameters it uses; its data file stays on the controller.
    scenario::parse_campaign(stored.text(), stored.source_file(), ".", false, params);
  } catch (const scenario::campaign_error&) {
    // The controller reads it again and answers with the error.
  }
  return params.used();
}

}  // namespace stampede::cli

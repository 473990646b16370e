// SPDX-License-Identifier: Apache-2.0
// Runs kept by a controller, as `start --wait`, `attach` and `show` print them.
#pragma once

#include <string>

#include "stampede/control/v1/control.pb.h"

namespace stampede::cli {

/// Prints a finished run's summary (and writes it to `summary_json` when given); returns the
/// run's exit code.
int print_finished_run(const control::v1::RunInfo& run, const std::string& summary_json);

}  // namespace stampede::cli

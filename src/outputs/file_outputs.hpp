// SPDX-License-Identifier: Apache-2.0
// The file outputs: `jsonl=FILE` (one JSON object a second) and `csv=FILE` (one row a second
// for each series).
#pragma once

#include <memory>
#include <string>

#include "outputs/output.hpp"

namespace stampede::outputs {

/// Throws std::runtime_error naming the file when it cannot be created.
std::unique_ptr<output> make_jsonl_output(const std::string& name, const std::string& path);
std::unique_ptr<output> make_csv_output(const std::string& name, const std::string& path);

}  // namespace stampede::outputs

// SPDX-License-Identifier: Apache-2.0
// The file outputs: `jsonl=FILE` (one JSON object a second), `csv=FILE` (one row a second for
// each series) and `hdrlog=FILE` (an HdrHistogram interval log: a line a second for every
// request's latency, and a tagged one for each step's).
#pragma once

#include <memory>
#include <string>

#include "outputs/output.hpp"

namespace stampede::outputs {

/// Throws std::runtime_error naming the file when it cannot be created.
std::unique_ptr<output> make_jsonl_output(const std::string& name, const std::string& path);
std::unique_ptr<output> make_csv_output(const std::string& name, const std::string& path);
/// `hdrlog=FILE`: an HdrHistogram interval log, its BaseTime interval 0's start.
std::unique_ptr<output> make_hdrlog_output(const std::string& name, const std::string& path);

}  // namespace stampede::outputs

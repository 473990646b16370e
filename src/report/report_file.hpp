// SPDX-License-Identifier: Apache-2.0
// Writing a stored run's report to a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/results_db.hpp"

namespace stampede::report {

/// `stampede-report-RUN.html`, the report's file when none is named.
std::string default_report_path(std::int64_t run_id);

/// Writes run `run_id` of `db` as its report to `path` (replaced whole, never half-written),
/// with run `compare_id` drawn over it when given. Throws std::runtime_error naming the run or
/// the file when it cannot.
void write_report(const storage::results_db& db, std::int64_t run_id, const std::string& path,
                  std::optional<std::int64_t> compare_id = std::nullopt);

}  // namespace stampede::report

// SPDX-License-Identifier: Apache-2.0
// Writing a stored run's report to a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/results_db.hpp"

namespace stampede::report {

/// `stampede-report-RUN.html`, the report's file when none is named.
std::string default_report_path(std::int64_t run_id);

/// A run and its seconds, from a database or from a controller.
struct stored_run {
  storage::run_record run;
  std::vector<storage::interval_record> seconds;  ///< with drawn_histograms() at least
  std::vector<storage::profile_record> profiles;  ///< --profile-sut's, drawn as flame graphs
};

/// Reads run `run_id` of `db` with the histograms the report draws. Throws std::runtime_error
/// naming the run and the database when there is none.
stored_run read_run(const storage::results_db& db, std::int64_t run_id);

/// Writes `run` as its report to `path` (replaced whole, never half-written), with `compare`
/// drawn over it when given. Throws std::runtime_error naming the file when it cannot.
void write_report(const stored_run& run, const std::string& path,
                  const std::optional<stored_run>& compare = std::nullopt);

/// The same for run `run_id` of `db` (and run `compare_id`).
void write_report(const storage::results_db& db, std::int64_t run_id, const std::string& path,
                  std::optional<std::int64_t> compare_id = std::nullopt);

}  // namespace stampede::report

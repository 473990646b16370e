// SPDX-License-Identifier: Apache-2.0
// `stampede report RUN`: a stored run as one self-contained HTML file.
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "report/report_file.hpp"
#include "storage/results_db.hpp"

namespace stampede::cli {

void register_report_command(CLI::App& app, int& exit) {
  struct flags {
    std::int64_t run = 0;
    std::string output;
    std::string db = storage::default_path;
    std::optional<std::int64_t> compare;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand(
      "report", "Write a stored run's report: one HTML file that opens offline and prints");
  cmd->add_option("run", f->run, "Run id (see stampede runs)")->required();
  cmd->add_option("-o,--output", f->output, "The file to write (default stampede-report-RUN.html)");
  cmd->add_option("--db", f->db, "Results database (default ./stampede.db)");
  cmd->add_option("--compare", f->compare,
                  "Another stored run drawn over this one (aligned at their starts), with the "
                  "differences in the steps table");
  cmd->callback([f, &exit] {
    try {
      if (!std::filesystem::exists(f->db)) {
        std::cerr << fmt::format("stampede: no run {}: {} does not exist\n", f->run, f->db);
        exit = exit_code::runtime_failure;
        return;
      }
      const storage::results_db db(f->db);
      const auto path = f->output.empty() ? report::default_report_path(f->run) : f->output;
      report::write_report(db, f->run, path, f->compare);
      std::cout << fmt::format("report of run {}{} written to {}\n", f->run,
                               f->compare ? fmt::format(" compared with run {}", *f->compare) : "",
                               path);
      exit = exit_code::ok;
    } catch (const std::exception& e) {
      std::cerr << "stampede: " << e.what() << "\n";
      exit = exit_code::runtime_failure;
    }
  });
}

}  // namespace stampede::cli

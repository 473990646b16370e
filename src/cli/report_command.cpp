// SPDX-License-Identifier: Apache-2.0
// `stampede report RUN`: a stored run as one self-contained HTML file.
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/controller_connection.hpp"
#include "report/report_file.hpp"
#include "report/second_data.hpp"
#include "storage/results_db.hpp"

namespace stampede::cli {

report::stored_run fetch_run(control::control_client& client, std::int64_t run_id) {
  const auto info = client.get_run(run_id);
  report::stored_run out;
  out.run.id = info.run_id();
  out.run.name = info.campaign();
  out.run.command = info.command();
  out.run.campaign_text = info.campaign_text();
  out.run.started_at_ms = info.started_at_ms();
  out.run.ended_at_ms = info.ended_at_ms();
  out.run.status = info.status();
  out.run.exit_code = info.exit_code();
  out.run.summary_json = info.summary_json();
  out.seconds = client.run_intervals(run_id, report::drawn_histograms());
  return out;
}

bool write_remote_report(control::control_client& client, std::int64_t run_id,
                         const std::string& path) {
  try {
    if (client.get_run(run_id).status() == "running") {
      std::cerr << fmt::format(
          "stampede: run {} goes on; write its report once it ends: stampede report {} -o {} "
          "--controller ...\n",
          run_id, run_id, path);
      return true;
    }
    report::write_report(fetch_run(client, run_id), path);
    std::cout << fmt::format("  report written to {}\n", path);
    return true;
  } catch (const std::exception& e) {
    std::cerr << "stampede: cannot write the report: " << e.what() << "\n";
    return false;
  }
}

namespace {

/// The report of a controller's run (and another to compare), written to `path`.
int remote_report(control::client_settings& settings, std::int64_t run_id,
                  std::optional<std::int64_t> compare, const std::string& path) {
  return with_client(settings, [&](control::control_client& client) {
    std::optional<report::stored_run> other;
    if (compare) {
      other = fetch_run(client, *compare);
    }
    report::write_report(fetch_run(client, run_id), path, other);
    std::cout << fmt::format("report of run {}{} written to {}\n", run_id,
                             compare ? fmt::format(" compared with run {}", *compare) : "", path);
    return exit_code::ok;
  });
}

}  // namespace

void register_report_command(CLI::App& app, int& exit) {
  struct flags {
    std::int64_t run = 0;
    std::string output;
    std::string db = storage::default_path;
    std::optional<std::int64_t> compare;
    control::client_settings settings;
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
  add_connection_flags(cmd, f->settings);
  cmd->footer(
      "With --controller (or STAMPEDE_CONTROLLER) and no --db, the run is the controller's:\n"
      "its merged seconds come over the control channel.");
  cmd->callback([cmd, f, &exit] {
    const auto path = f->output.empty() ? report::default_report_path(f->run) : f->output;
    if (use_controller(cmd, f->settings)) {
      exit = remote_report(f->settings, f->run, f->compare, path);
      return;
    }
    try {
      if (!std::filesystem::exists(f->db)) {
        std::cerr << fmt::format("stampede: no run {}: {} does not exist\n", f->run, f->db);
        exit = exit_code::runtime_failure;
        return;
      }
      const storage::results_db db(f->db);
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

// SPDX-License-Identifier: Apache-2.0
// `stampede runs` and `stampede show RUN`: the results database, read back.
#include <ctime>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "metrics/summary.hpp"
#include "metrics/summary_report.hpp"
#include "storage/results_db.hpp"

namespace stampede::cli {
namespace {

std::string local_time(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

void register_runs_command(CLI::App& app, int& exit) {
  struct flags {
    std::string db = "stampede.db";
    std::size_t limit = 20;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand("runs", "List the runs stored in the results database");
  cmd->add_option("--db", f->db, "Results database (default ./stampede.db)");
  cmd->add_option("-n,--limit", f->limit, "How many of the newest runs (default 20)");
  cmd->callback([f, &exit] {
    try {
      storage::results_db db(f->db);
      const auto runs = db.list_runs(f->limit);
      if (runs.empty()) {
        std::cout << "no runs stored in " << f->db << "\n";
        exit = exit_code::ok;
        return;
      }
      std::cout << fmt::format("{:>5}  {:<19}  {:<16}  {:<11}  {:>9}  {:>10}  {:>9}  {:>4}\n",
                               "run", "started", "name", "status", "duration", "requests", "p95",
                               "exit");
      for (const auto& r : runs) {
        metrics::summary s;
        if (!r.summary_json.empty()) {
          metrics::from_json(nlohmann::json::parse(r.summary_json, nullptr, false), s);
        }
        std::cout << fmt::format("{:>5}  {:<19}  {:<16}  {:<11}  {:>8.1f}s  {:>10}  {:>9}  {:>4}\n",
                                 r.id, local_time(r.started_at_ms), r.name.substr(0, 16), r.status,
                                 s.duration_s, metrics::group_digits(s.requests_total),
                                 s.latency.count ? metrics::format_ms(s.latency.p95) : "-",
                                 r.exit_code < 0 ? std::string("-") : std::to_string(r.exit_code));
      }
      exit = exit_code::ok;
    } catch (const std::exception& e) {
      std::cerr << "stampede: " << e.what() << "\n";
      exit = exit_code::runtime_failure;
    }
  });
}

void register_show_command(CLI::App& app, int& exit) {
  struct flags {
    std::string db = "stampede.db";
    std::int64_t run = 0;
    bool json = false;
    bool campaign = false;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand("show", "Print a stored run's summary again");
  cmd->add_option("run", f->run, "Run id (see stampede runs)")->required();
  cmd->add_option("--db", f->db, "Results database (default ./stampede.db)");
  cmd->add_flag("--json", f->json, "Print the summary as JSON (the --summary-json schema)");
  cmd->add_flag("--campaign", f->campaign, "Print the campaign the run used");
  cmd->callback([f, &exit] {
    try {
      storage::results_db db(f->db);
      const auto r = db.find_run(f->run);
      if (!r) {
        std::cerr << fmt::format("stampede: no run {} in {}\n", f->run, f->db);
        exit = exit_code::runtime_failure;
        return;
      }
      if (f->campaign) {
        std::cout << r->campaign_text;
        exit = exit_code::ok;
        return;
      }
      if (r->summary_json.empty()) {
        std::cout << fmt::format("run {} ({}) has no summary: status {}\n", r->id, r->name,
                                 r->status);
        exit = exit_code::ok;
        return;
      }
      const auto j = nlohmann::json::parse(r->summary_json);
      if (f->json) {
        std::cout << j.dump(2) << "\n";
      } else {
        std::cout << fmt::format("run {}: {}\n", r->id, r->command);
        std::cout << metrics::format_summary(j.get<metrics::summary>(), false);
      }
      exit = exit_code::ok;
    } catch (const std::exception& e) {
      std::cerr << "stampede: " << e.what() << "\n";
      exit = exit_code::runtime_failure;
    }
  });
}

}  // namespace stampede::cli

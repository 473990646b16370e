// SPDX-License-Identifier: Apache-2.0
// `stampede runs` and `stampede show RUN`: the results database, read back.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/controller_connection.hpp"
#include "cli/remote_runs.hpp"
#include "core/unix_time.hpp"
#include "metrics/summary.hpp"
#include "metrics/summary_report.hpp"
#include "outputs/hdr_log.hpp"
#include "report/report_data.hpp"
#include "storage/results_db.hpp"

namespace stampede::cli {
namespace {

using core::local_time_text;

int list_remote_runs(control::client_settings& settings, std::size_t limit) {
  return with_client(settings, [&](control::control_client& client) {
    const auto runs = client.list_runs(static_cast<std::uint32_t>(limit));
    if (runs.empty()) {
      std::cout << "no runs on the controller\n";
      return exit_code::ok;
    }
    std::cout << fmt::format("{:>5}  {:<19}  {:<16}  {:<11}  {:>10}  {:>8}  {:>4}  {}\n", "run",
                             "started", "campaign", "status", "requests", "failed", "exit",
                             "agents");
    for (const auto& r : runs) {
      std::cout << fmt::format(
          "{:>5}  {:<19}  {:<16}  {:<11}  {:>10}  {:>8}  {:>4}  {}\n", r.run_id(),
          local_time_text(r.started_at_ms()), r.campaign().substr(0, 16),
          r.status() + (r.degraded() ? "*" : ""), metrics::group_digits(r.requests()),
          metrics::group_digits(r.failed()),
          r.exit_code() < 0 ? std::string("-") : std::to_string(r.exit_code()),
          r.agents_size() == 0 ? std::string("-") : std::to_string(r.agents_size()));
    }
    return exit_code::ok;
  });
}

/// `show --hgrm`: the run's latency over every stored second, as .hgrm.
int print_hgrm(const std::vector<storage::interval_record>& seconds, std::int64_t id) {
  const auto h = report::merged_histogram(seconds, "latency");
  if (!h || h->empty()) {
    std::cerr << fmt::format("stampede: run {} has no latency stored\n", id);
    return exit_code::runtime_failure;
  }
  std::cout << outputs::hgrm_text(*h);
  return exit_code::ok;
}

int show_remote_run(control::client_settings& settings, std::int64_t id, bool json, bool campaign,
                    bool hgrm) {
  return with_client(settings, [&](control::control_client& client) {
    if (hgrm) {
      client.get_run(id);  // NOT_FOUND names an unknown run
      return print_hgrm(client.run_intervals(id, {"latency"}), id);
    }
    const auto r = client.get_run(id);
    if (campaign) {
      std::cout << r.campaign_text();
      return exit_code::ok;
    }
    if (r.summary_json().empty()) {
      std::cout << fmt::format("run {} ({}) has no summary: status {}\n", r.run_id(), r.campaign(),
                               r.status());
      return exit_code::ok;
    }
    if (json) {
      std::cout << nlohmann::json::parse(r.summary_json()).dump(2) << "\n";
      return exit_code::ok;
    }
    std::cout << fmt::format("run {}: {}\n", r.run_id(), r.command());
    print_finished_run(r, "");
    return exit_code::ok;
  });
}

}  // namespace

void register_runs_command(CLI::App& app, int& exit) {
  struct flags {
    std::string db = "stampede.db";
    std::size_t limit = 20;
    control::client_settings settings;
  };
  auto f = std::make_shared<flags>();
  auto* cmd =
      app.add_subcommand("runs", "List stored runs: the local results database, or a controller's");
  cmd->add_option("--db", f->db, "Results database (default ./stampede.db)");
  cmd->add_option("-n,--limit", f->limit, "How many of the newest runs (default 20)");
  add_connection_flags(cmd, f->settings);
  cmd->callback([f, cmd, &exit] {
    if (use_controller(cmd, f->settings)) {
      exit = list_remote_runs(f->settings, f->limit);
      return;
    }
    try {
      if (!std::filesystem::exists(f->db)) {
        // Reading must not leave an empty database behind where there was none.
        std::cout << "no runs stored in " << f->db << " (no such file)\n";
        exit = exit_code::ok;
        return;
      }
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
                                 r.id, local_time_text(r.started_at_ms), r.name.substr(0, 16),
                                 r.status, s.duration_s, metrics::group_digits(s.requests_total),
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
    bool hgrm = false;
    bool folded = false;
    control::client_settings settings;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand(
      "show", "Print a stored run's summary again (local, or from a controller)");
  cmd->add_option("run", f->run, "Run id (see stampede runs)")->required();
  cmd->add_option("--db", f->db, "Results database (default ./stampede.db)");
  cmd->add_flag("--json", f->json, "Print the summary as JSON (the --summary-json schema)");
  cmd->add_flag("--campaign", f->campaign, "Print the campaign the run used");
  cmd->add_flag("--hgrm", f->hgrm,
                "Print the run's latency distribution in HdrHistogram's .hgrm layout (ms)");
  cmd->add_flag("--folded", f->folded,
                "Print the folded stacks of the run's --profile-sut window (frame;frame;leaf "
                "count), as flame graph tools read them");
  add_connection_flags(cmd, f->settings);
  cmd->callback([f, cmd, &exit] {
    if (f->folded && use_controller(cmd, f->settings)) {
      std::cerr << "stampede show: --folded: a controller's runs have no profiles (--profile-sut "
                   "is a local run's)\n";
      exit = exit_code::usage_error;
      return;
    }
    if (use_controller(cmd, f->settings)) {
      exit = show_remote_run(f->settings, f->run, f->json, f->campaign, f->hgrm);
      return;
    }
    try {
      if (!std::filesystem::exists(f->db)) {
        std::cerr << fmt::format("stampede: no run {}: {} does not exist\n", f->run, f->db);
        exit = exit_code::runtime_failure;
        return;
      }
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
      if (f->hgrm) {
        exit = print_hgrm(db.intervals(r->id, -1, {"latency"}), r->id);
        return;
      }
      if (f->folded) {
        const auto profiles = db.profiles(r->id);
        if (profiles.empty()) {
          std::cerr << fmt::format("stampede: run {} has no profile (run with --profile-sut)\n",
                                   r->id);
          exit = exit_code::runtime_failure;
          return;
        }
        for (const auto& p : profiles) {
          std::cout << p.folded;
        }
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

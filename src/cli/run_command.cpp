// SPDX-License-Identifier: Apache-2.0
// `stampede run`: a campaign file, or quick mode flags like wrk's.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli/campaign_error_text.hpp"
#include "cli/commands.hpp"
#include "cli/quick_mode.hpp"
#include "cli/run_parameter_flags.hpp"
#include "control/process_agent.hpp"
#include "engine/run_controller.hpp"
#include "engine/run_plan.hpp"
#include "monitor/local_monitors.hpp"
#include "monitor/sut_profiler.hpp"
#include "outputs/output_set.hpp"
#include "report/report_file.hpp"
#include "scenario/campaign_parser.hpp"
#include "scenario/campaign_warnings.hpp"
#include "scenario/threshold_scope_check.hpp"
#include "storage/results_db.hpp"
#include "storage/scratch_database.hpp"
#include "web/dashboard.hpp"

namespace stampede::cli {
namespace {

struct run_flags {
  std::string file;
  quick_options quick;
  std::optional<unsigned> threads;
  std::string bind;
  std::string processes = "1";
  std::string db = "stampede.db";
  bool no_db = false;
  std::string summary_json;
  std::string report;  ///< --report FILE
  bool dashboard = false;
  std::string dashboard_address = web::default_dashboard_address;
  bool quiet = false;
  std::vector<std::string> outputs;                                           ///< --out KIND=TARGET
  std::vector<std::string> monitor_pids, monitor_processes, monitor_cgroups;  ///< [NAME=]WHAT
  std::string profile_sut;  ///< --profile-sut LENGTH[@START]
  /// The quick-mode flags given on the command line, as their long names: a campaign file
  /// sets all of these itself, so they are refused beside one.
  std::vector<std::string> quick_flags_given;
  parameter_flags parameters;
};

/// Flags that only shape a quick-mode campaign (--threshold applies to a file too).
constexpr auto quick_only_flags = std::to_array<const char*>(
    {"--connections", "--requests", "--iterations", "--duration", "--rate", "--users", "--method",
     "--h2", "--streams", "--header", "--body", "--timeout", "--connect-timeout", "--insecure"});

/// Folds the profile and stores it with the run, for the report and `show --folded`.
void store_profile(monitor::sut_profiler& profiler, const std::string& monitor,
                   const engine::run_outcome& outcome, const std::string& db_path) {
  const auto profile = profiler.finish();
  if (!profile) {
    return;
  }
  const auto stacks = std::count(profile->folded.begin(), profile->folded.end(), '\n');
  const double start_s =
      static_cast<double>(profile->started_unix_ms - outcome.summary.started_at_ms) / 1000.0;
  if (!outcome.run_id || db_path.empty()) {
    std::cerr << "stampede: --profile-sut: the run is not stored, nor its profile\n";
    return;
  }
  try {
    storage::results_db db(db_path);
    db.add_profile({*outcome.run_id, monitor, start_s, profile->duration_s, profile->folded});
    std::cout << fmt::format(
        "  profile      {}: {} stacks over {:.1f} s from {:.1f} s (stampede show {} --folded)\n",
        monitor, stacks, profile->duration_s, start_s, *outcome.run_id);
  } catch (const std::exception& e) {
    std::cerr << "stampede: --profile-sut: cannot store the profile: " << e.what() << "\n";
  }
}

/// "web=1234" -> ("web", "1234"); "1234" -> ("", "1234").
std::pair<std::string, std::string> named_value(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    return {"", text};
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

/// What --monitor-* and the campaign's `monitor:` ask to watch. Throws std::invalid_argument.
std::vector<monitor::sut_target> monitor_targets(const run_flags& f,
                                                 const scenario::campaign& campaign) {
  std::vector<monitor::sut_target> targets;
  for (const auto& text : f.monitor_pids) {
    auto [name, value] = named_value(text);
    monitor::sut_target t;
    t.name = name;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), t.pid);
    if (ec != std::errc{} || end != value.data() + value.size() || t.pid <= 0) {
      throw std::invalid_argument("--monitor-pid: expected [NAME=]PID, got '" + text + "'");
    }
    targets.push_back(std::move(t));
  }
  for (const auto& text : f.monitor_processes) {
    auto [name, value] = named_value(text);
    if (value.empty()) {
      throw std::invalid_argument("--monitor-process: expected [NAME=]COMMAND, got '" + text + "'");
    }
    targets.push_back({name, 0, value, ""});
  }
  for (const auto& text : f.monitor_cgroups) {
    auto [name, value] = named_value(text);
    if (value.empty()) {
      throw std::invalid_argument("--monitor-cgroup: expected [NAME=]PATH, got '" + text + "'");
    }
    targets.push_back({name, 0, "", value});
  }
  for (const auto& m : campaign.monitors) {
    targets.push_back({m.name, m.pid, m.process, m.cgroup});
  }
  for (const auto& t : targets) {
    if (t.name.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
        std::string::npos) {
      throw std::invalid_argument("monitor name '" + t.name +
                                  "': expected letters, digits, '_' and '-' only");
    }
  }
  return targets;
}

int run(const run_flags& f, const std::string& command) {
  scenario::campaign campaign;
  try {
    if (!f.file.empty()) {
      if (!f.quick.url.empty()) {
        std::cerr << "stampede run: give either a campaign FILE or --url, not both\n";
        return exit_code::usage_error;
      }
      if (!f.quick_flags_given.empty()) {
        std::cerr << fmt::format(
            "stampede run: {} is a quick-mode flag (with --url); a campaign file sets it in the "
            "file (its phases, defaults or steps)\n",
            f.quick_flags_given.front());
        return exit_code::usage_error;
      }
      campaign = scenario::load_campaign_file(f.file, parameters_of(f.parameters));
      for (const auto& w : scenario::campaign_warnings(campaign)) {
        std::cerr << "stampede: " << w << "\n";
      }
      for (const auto& t : f.quick.thresholds) {
        campaign.thresholds.push_back(scenario::parse_threshold(t));
        if (const auto why = scenario::unknown_scope_name(campaign.thresholds.back(), campaign)) {
          throw std::invalid_argument("--threshold: " + *why);
        }
      }
    } else if (!f.quick.url.empty()) {
      if (!f.parameters.env.empty() || !f.parameters.target.empty()) {
        std::cerr << fmt::format(
            "stampede run: {} goes with a campaign FILE (its {{{{env.NAME}}}} and target); quick "
            "mode takes the URL as given\n",
            f.parameters.env.empty() ? "--target" : "-e");
        return exit_code::usage_error;
      }
      campaign = make_quick_campaign(f.quick);
    } else {
      std::cerr << "stampede run: give a campaign FILE or --url (see stampede run --help)\n";
      return exit_code::usage_error;
    }
  } catch (const scenario::campaign_error& e) {
    std::cerr << campaign_error_text(e);
    return exit_code::usage_error;
  } catch (const std::invalid_argument& e) {
    std::cerr << "stampede run: " << e.what() << "\n";
    return exit_code::usage_error;
  }

  engine::run_options options;
  options.threads = f.threads.value_or(0);
  options.bind = f.bind;
  std::shared_ptr<const engine::run_plan> plan;
  try {
    plan = engine::run_plan::build(std::move(campaign), options);
  } catch (const std::invalid_argument& e) {
    std::cerr << "stampede run: " << e.what() << "\n";
    return exit_code::usage_error;
  } catch (const std::exception& e) {
    std::cerr << "stampede: " << e.what() << "\n";
    return exit_code::runtime_failure;
  }

  std::vector<outputs::output_spec> output_specs;
  for (const auto& text : f.outputs) {
    try {
      output_specs.push_back(outputs::parse_output_spec(text));
    } catch (const std::invalid_argument& e) {
      std::cerr << "stampede run: --out: " << e.what() << "\n";
      return exit_code::usage_error;
    }
  }
  try {
    for (auto& spec : outputs::campaign_outputs(plan->campaign)) {
      output_specs.push_back(std::move(spec));
    }
  } catch (const scenario::campaign_error& e) {
    std::cerr << campaign_error_text(e);
    return exit_code::usage_error;
  }

  engine::run_settings settings;
  std::shared_ptr<monitor::local_monitors> monitors;
  try {
    auto targets = monitor_targets(f, plan->campaign);
    if (!targets.empty()) {
      monitors = std::make_shared<monitor::local_monitors>(std::move(targets));
      for (const auto& d : monitors->descriptions()) {
        std::cerr << "stampede: monitor " << d << "\n";
      }
      settings.monitors = monitors;
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "stampede run: " << e.what() << "\n";
    return exit_code::usage_error;
  }
  std::optional<monitor::profile_window> profile_window;
  if (!f.profile_sut.empty()) {
    profile_window = monitor::parse_profile_window(f.profile_sut);
    if (!profile_window) {
      std::cerr << "stampede run: --profile-sut: expected LENGTH[@START] like 20s@30s, got '"
                << f.profile_sut << "'\n";
      return exit_code::usage_error;
    }
    if (!monitors) {
      std::cerr << "stampede run: --profile-sut records a monitored process: give --monitor-pid "
                   "or --monitor-process\n";
      return exit_code::usage_error;
    }
  }
  if (!output_specs.empty()) {
    // Made before the run: a file that cannot be created or a port taken stops it here.
    try {
      auto set = std::make_shared<outputs::output_set>(output_specs);
      for (const auto& d : set->descriptions()) {
        std::cerr << "stampede: output " << d << "\n";
      }
      settings.observer = std::move(set);
    } catch (const std::exception& e) {
      std::cerr << "stampede: " << e.what() << "\n";
      return exit_code::runtime_failure;
    }
  }
  std::uint32_t processes = 1;
  if (f.processes == "auto") {
    rlimit nofile{};
    ::getrlimit(RLIMIT_NOFILE, &nofile);
    processes = control::process_agent::auto_processes(*plan, nofile.rlim_cur);
  } else {
    const auto [end, ec] =
        std::from_chars(f.processes.data(), f.processes.data() + f.processes.size(), processes);
    if (ec != std::errc{} || end != f.processes.data() + f.processes.size() || processes == 0 ||
        processes > 1024) {
      std::cerr << fmt::format("stampede run: --processes: expected auto or 1 to 1024, got '{}'\n",
                               f.processes);
      return exit_code::usage_error;
    }
  }
  if (processes > 1) {
    // Each process runs at least one worker; the threads asked for are spread over them.
    const auto per_process = std::max(1u, plan->threads / processes);
    settings.workers = per_process * processes;
    settings.hosting = fmt::format("{} processes", processes);
    settings.make_agent = [processes](std::shared_ptr<const engine::run_plan> p,
                                      std::uint32_t workers, engine::report_sink sink,
                                      engine::run_settings::lost_workers_sink lost) {
      return std::make_unique<control::process_agent>(std::move(p), processes, workers,
                                                      std::move(sink), std::move(lost));
    };
  }
  settings.db_path = f.no_db ? "" : f.db;
  // A report and the dashboard are drawn from the stored seconds: without a database, from a
  // temporary one.
  std::optional<storage::scratch_database> scratch;
  if (f.no_db && (!f.report.empty() || f.dashboard)) {
    scratch.emplace();
    settings.db_path = scratch->path();
  }
  std::unique_ptr<web::dashboard> board;
  if (f.dashboard) {
    try {
      board = std::make_unique<web::dashboard>(web::parse_listen_address(f.dashboard_address),
                                               settings.db_path);
    } catch (const std::invalid_argument& e) {
      std::cerr << "stampede run: --dashboard-address: " << e.what() << "\n";
      return exit_code::usage_error;
    } catch (const std::exception& e) {
      std::cerr << "stampede: --dashboard: " << e.what() << "\n";
      return exit_code::runtime_failure;
    }
    std::cerr << fmt::format("stampede: dashboard at {}\n", board->url());
    settings.on_stored = [d = board.get()](std::int64_t id) { d->show(id); };
  }
  settings.summary_json = f.summary_json;
  settings.command_line = command;
  settings.progress = !f.quiet;
  std::unique_ptr<monitor::sut_profiler> profiler;
  std::optional<storage::scratch_database> profile_dir;  // for perf's files
  if (profile_window) {
    profile_dir.emplace();
    std::vector<pid_t> pids;
    for (const auto p : monitors->first_pids()) {
      pids.push_back(static_cast<pid_t>(p));
    }
    profiler = std::make_unique<monitor::sut_profiler>(*profile_window, std::move(pids),
                                                       profile_dir->directory());
    profiler->begin();
  }
  auto outcome = engine::execute_run(plan, settings);
  if (profiler) {
    store_profile(*profiler, monitors->first_name(), outcome, settings.db_path);
  }
  if (board) {
    // Open pages get the summary; the run does not wait for them longer than this.
    board->finish(std::chrono::seconds(1));
  }
  if (!f.report.empty()) {
    try {
      if (!outcome.run_id) {
        throw std::runtime_error("the run was not stored");
      }
      const storage::results_db db(settings.db_path);
      report::write_report(db, *outcome.run_id, f.report);
      std::cout << fmt::format("  report written to {}\n", f.report);
    } catch (const std::exception& e) {
      std::cerr << "stampede: cannot write the report: " << e.what() << "\n";
      return exit_code::runtime_failure;
    }
  }
  return outcome.exit_code;
}

}  // namespace

void register_run_command(CLI::App& app, int& exit) {
  auto flags = std::make_shared<run_flags>();
  auto* cmd = app.add_subcommand("run", "Run a campaign file, or a quick test against one URL");
  cmd->footer(
      "Examples:\n"
      "  stampede run examples/quickstart.yaml\n"
      "  stampede run --url http://127.0.0.1:8080/ -c 100 -d 30s\n"
      "  stampede run --url http://127.0.0.1:8080/ --rate 2000 -c 50 -d 1m\n"
      "  stampede run --url http://127.0.0.1:8080/ -u 10:20:30 -d 10s\n"
      "  stampede run --url http://127.0.0.1:8080/ -u 10:20:30 -i 20\n"
      "  stampede run --url h2c://127.0.0.1:8080/ -c 100 -m 10 -n 100000\n"
      "\nExit codes: 0 ok, 99 a threshold failed, 105 stopped (Ctrl-C, SIGTERM), 2 usage or\n"
      "campaign error, 1 runtime failure; 1 wins over 105, 105 over 99");
  cmd->add_option("file", flags->file, "Campaign file (YAML)");
  cmd->add_option("--url", flags->quick.url, "Quick mode: the URL to load");
  cmd->add_option("-c,--connections", flags->quick.connections,
                  "Quick mode: connections (default 10); over HTTP/1.1 one user each, over "
                  "HTTP/2 -m users each");
  cmd->add_option("-n,--requests", flags->quick.requests, "Quick mode: total requests, then stop");
  cmd->add_option("-i,--iterations", flags->quick.iterations,
                  "Quick mode: requests per user, then it stops (with -u: in each step, the next "
                  "starting when all are done); -d then caps the time");
  cmd->add_option("-d,--duration", flags->quick.duration,
                  "Quick mode: how long (default 10s); with -u, each step's length");
  cmd->add_option("--rate", flags->quick.rate,
                  "Quick mode: constant throughput in requests/s over -c connections; latency "
                  "counts from each request's intended send time");
  cmd->add_option("-u,--users", flags->quick.user_steps,
                  "Quick mode: user steps, e.g. 10:20:30 runs 10, then 20, then 30 users");
  cmd->add_option("-X,--method", flags->quick.method, "Quick mode: HTTP method (default GET)");
  cmd->add_flag("--h2", flags->quick.h2,
                "Quick mode: HTTP/2: with prior knowledge (h2c) for http:// URLs, by ALPN over "
                "TLS for https:// (the same as h2c:// and h2:// URLs)");
  cmd->add_option("-m,--streams", flags->quick.streams,
                  "Quick mode, HTTP/2: concurrent streams per connection (default 1); -c C -m M "
                  "runs C x M users, M on each connection, as h2load does");
  cmd->add_option("-H,--header", flags->quick.headers, "Quick mode: header 'Name: value'");
  cmd->add_option("--body", flags->quick.body, "Quick mode: request body");
  cmd->add_option("--timeout", flags->quick.timeout, "Quick mode: request timeout (default 30s)");
  cmd->add_option("--connect-timeout", flags->quick.connect_timeout,
                  "Quick mode: connect timeout (default 10s)");
  cmd->add_flag("-k,--insecure", flags->quick.insecure,
                "Quick mode: do not verify TLS certificates");
  cmd->add_option("--threshold", flags->quick.thresholds,
                  "Fail (exit 99) unless this holds, e.g. 'http.latency.p95 < 200ms'");
  add_parameter_flags(cmd, flags->parameters);
  cmd->add_option("-t,--threads", flags->threads, "Worker threads (default: number of cores)");
  cmd->add_option("--bind", flags->bind,
                  "Source addresses rotated across connections, e.g. 127.0.0.2-127.0.0.9");
  cmd->add_option("--processes", flags->processes,
                  "Run the workers in N child processes (each with its own open-files limit), "
                  "or 'auto': as many as the largest phase's connections need")
      ->capture_default_str();
  cmd->add_option("--db", flags->db, "Results database (default ./stampede.db)");
  cmd->add_flag("--no-db", flags->no_db, "Do not store the run");
  cmd->add_option("--summary-json", flags->summary_json, "Write the summary as JSON to FILE");
  cmd->add_option("--report", flags->report,
                  "Write the run's HTML report to FILE when it ends, whatever ends it");
  cmd->add_flag("--dashboard", flags->dashboard,
                "Serve a live dashboard of the run (the report's page, updated every second) "
                "at --dashboard-address while it goes");
  cmd->add_option("--dashboard-address", flags->dashboard_address,
                  "Where --dashboard listens, HOST:PORT (implies --dashboard)")
      ->capture_default_str();
  cmd->add_option("--out", flags->outputs,
                  "Send each second's figures to KIND=TARGET, repeatable: prometheus=HOST:PORT "
                  "(a scrape endpoint; ?linger=DURATION after the run, default 5s), "
                  "prometheus-rw=URL, influxdb=URL?db=NAME, opentsdb=URL, graphite=HOST:PORT, "
                  "statsd=HOST:PORT, dogstatsd=HOST:PORT, jsonl=FILE, csv=FILE, hdrlog=FILE "
                  "(docs/outputs.md)");
  cmd->add_option("--monitor-pid", flags->monitor_pids,
                  "Sample process [NAME=]PID of the system under test each second: CPU, memory, "
                  "descriptors, and the host's CPU, memory and TCP (docs/monitor.md); repeatable");
  cmd->add_option("--monitor-process", flags->monitor_processes,
                  "Sample every process of command [NAME=]COMM (as /proc/PID/comm has it) each "
                  "second; repeatable");
  cmd->add_option("--monitor-cgroup", flags->monitor_cgroups,
                  "Sample the processes of cgroup [NAME=]PATH each second, and its CPU "
                  "throttling and memory; repeatable");
  cmd->add_option("--profile-sut", flags->profile_sut,
                  "Record the first monitor's process with perf for LENGTH[@START] of the run "
                  "(20s@30s), for the report's flame graph and `show RUN --folded`");
  cmd->add_flag("-q,--quiet", flags->quiet, "No live progress line");
  cmd->callback([cmd, flags, &exit] {
    for (const char* name : quick_only_flags) {
      if (cmd->count(name) > 0) {
        auto names = cmd->get_option(name)->get_name(false, true);  // "-c,--connections"
        std::replace(names.begin(), names.end(), ',', '/');
        flags->quick_flags_given.push_back(std::move(names));
      }
    }
    flags->quick.connections_given = cmd->count("--connections") > 0;
    flags->dashboard = flags->dashboard || cmd->count("--dashboard-address") > 0;
    exit = run(*flags, invocation());
  });
}

}  // namespace stampede::cli

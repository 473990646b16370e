// SPDX-License-Identifier: Apache-2.0
// Runs on a controller's agents: `stampede start NAME`, `status [RUN]`, `attach RUN` and
// `stop RUN`. Attaching shows the same live line and summary as a local run and exits with
// the same codes.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/controller_connection.hpp"
#include "cli/remote_runs.hpp"
#include "cli/start_parameters.hpp"
#include "core/unix_time.hpp"
#include "engine/progress_line.hpp"
#include "metrics/summary.hpp"
#include "metrics/summary_report.hpp"

namespace stampede::cli {
namespace {

engine::progress_state progress_of(const control::v1::RunProgress& p) {
  engine::progress_state ps;
  ps.phase = p.phase();
  ps.elapsed_s = p.elapsed_s();
  ps.total_s = p.total_s();
  ps.users = p.users();
  ps.connections = p.connections();
  ps.rps = p.rps();
  if (p.p50_ms() >= 0) {
    ps.p50_ms = p.p50_ms();
  }
  if (p.p99_ms() >= 0) {
    ps.p99_ms = p.p99_ms();
  }
  ps.requests = p.requests();
  ps.failed = p.failed();
  return ps;
}

/// What Ctrl-C during attach decides.
enum class interrupt_choice { none, stop, detach };

interrupt_choice ask_stop_or_detach() {
  std::cerr << "\nstampede: stop the run or detach from it? [s]top / [d]etach: " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    return interrupt_choice::detach;
  }
  if (!answer.empty() && (answer[0] == 's' || answer[0] == 'S')) {
    return interrupt_choice::stop;
  }
  return interrupt_choice::detach;
}

/// The signals attach waits for. They are blocked before the gRPC client starts its threads,
/// which inherit the mask: a signal the process gets is then only ever taken by attach's
/// sigwait, never by one of those threads' default action (which ends the process).
sigset_t attach_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);  // wakes the waiter when the run ended on its own
  return signals;
}

void block_attach_signals() {
  const auto signals = attach_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

/// How long attach keeps trying to reach a controller that went away (it may be restarting).
constexpr auto reattach_for = std::chrono::seconds(60);

/// Follows run `id` to its end. Ctrl-C asks (on a terminal) whether to stop the run or
/// detach; without a terminal the first Ctrl-C stops the run and the second detaches. A
/// controller that goes away is waited for: the run goes on without it.
int attach(const control::client_settings& settings, control::control_client& client,
           std::int64_t id, const std::string& summary_json) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const bool interactive = tty && ::isatty(STDIN_FILENO) == 1;
  std::atomic<bool> detached{false};
  std::mutex watch_mutex;
  control::run_watch* current = nullptr;

  const auto signals = attach_signals();
  block_attach_signals();  // already, by the caller, for every thread but this one's new ones
  std::thread waiter([&] {
    int interrupts = 0;
    while (true) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGUSR1) {
        return;
      }
      ++interrupts;
      auto choice = sig == SIGTERM    ? interrupt_choice::detach
                    : interactive     ? ask_stop_or_detach()
                    : interrupts == 1 ? interrupt_choice::stop
                                      : interrupt_choice::detach;
      if (choice == interrupt_choice::stop) {
        try {
          client.stop_run(id, false);
          std::cerr << fmt::format("stampede: stopping run {}; waiting for its summary\n", id);
        } catch (const std::exception& e) {
          std::cerr << "stampede: " << e.what() << "\n";
        }
      } else {
        detached = true;
        std::lock_guard lock(watch_mutex);
        if (current != nullptr) {
          current->cancel();
        }
        return;
      }
    }
  });

  int exit = exit_code::runtime_failure;
  bool line_open = false;
  bool ended = false;
  auto give_up_at = std::chrono::steady_clock::now() + reattach_for;
  std::string failure;
  std::unique_ptr<control::control_client> fresh;
  while (!ended && !detached) {
    // A new channel after a failure: an old one can stay stuck on a controller that died.
    auto& watcher = fresh ? *fresh : client;
    auto watch = watcher.watch_run(id);
    {
      std::lock_guard lock(watch_mutex);
      current = watch.get();
    }
    control::v1::RunEvent event;
    bool heard = false;
    while (watch->next(event)) {
      heard = true;
      if (event.has_progress()) {
        const auto ps = progress_of(event.progress());
        if (tty) {
          std::cerr << "\r\033[K" << engine::format_progress(ps, true) << std::flush;
          line_open = true;
        } else if (static_cast<std::int64_t>(ps.elapsed_s) % 5 == 0) {
          std::cerr << engine::format_progress(ps, false) << "\n" << std::flush;
        }
        continue;
      }
      if (line_open) {
        std::cerr << "\n";
        line_open = false;
      }
      if (event.has_notice()) {
        std::cerr << "stampede: " << event.notice() << "\n";
        continue;
      }
      if (event.has_finished()) {
        ended = true;
        exit = print_finished_run(event.finished(), summary_json);
        break;
      }
    }
    {
      std::lock_guard lock(watch_mutex);
      current = nullptr;
    }
    if (ended || detached) {
      break;
    }
    try {
      watch->finish();
    } catch (const control::call_error& e) {
      if (e.code() != grpc::StatusCode::UNAVAILABLE) {
        failure = e.what();
        break;
      }
    }
    if (heard) {
      give_up_at = std::chrono::steady_clock::now() + reattach_for;
    }
    if (std::chrono::steady_clock::now() >= give_up_at) {
      failure = fmt::format("the controller has been unreachable for {} s", reattach_for.count());
      break;
    }
    if (line_open) {
      std::cerr << "\n";
      line_open = false;
    }
    if (heard) {
      std::cerr << "stampede: lost the controller; the run goes on on its agents; retrying\n";
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    fresh = std::make_unique<control::control_client>(settings);
  }
  if (line_open) {
    std::cerr << "\n";
  }
  pthread_kill(waiter.native_handle(), SIGUSR1);
  waiter.join();
  if (detached) {
    std::cerr << fmt::format("stampede: detached; run {} goes on (stampede attach {})\n", id, id);
    return exit_code::ok;
  }
  if (!ended) {
    std::cerr << fmt::format("stampede: stopped watching run {}: {}\n", id, failure);
    return exit_code::runtime_failure;
  }
  return exit;
}

std::string agents_line(const control::v1::RunInfo& r) {
  std::string out;
  for (const auto& a : r.agents()) {
    out += fmt::format("{}{} ({}, workers {}-{})", out.empty() ? "" : ", ", a.name(), a.state(),
                       a.first_worker(), a.first_worker() + a.workers() - 1);
  }
  return out;
}

}  // namespace

int print_finished_run(const control::v1::RunInfo& r, const std::string& summary_json) {
  if (r.summary_json().empty()) {
    std::cout << fmt::format("run {} ({}) ended {} without a summary\n", r.run_id(), r.campaign(),
                             r.status());
    return exit_code::runtime_failure;
  }
  const auto j = nlohmann::json::parse(r.summary_json());
  std::cout << metrics::format_summary(j.get<metrics::summary>(), ::isatty(STDOUT_FILENO) == 1);
  std::cout << fmt::format("\n  run {} stored on the controller\n", r.run_id()) << std::flush;
  if (!summary_json.empty()) {
    std::ofstream out(summary_json);
    out << j.dump(2) << "\n";
    if (!out) {
      std::cerr << "stampede: cannot write " << summary_json << "\n";
      return exit_code::runtime_failure;  // wins over 105 and 99
    }
  }
  return r.exit_code();
}

void register_start_command(CLI::App& app, int& exit) {
  struct flags {
    control::client_settings settings;
    std::string campaign;
    std::uint32_t agents = 0;
    bool wait = false;
    std::string summary_json;
    std::string report;
    parameter_flags parameters;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand("start", "Start a stored campaign on the controller's agents");
  cmd->footer(
      "The run's parameters ({{env.NAME}}: -e, else this shell's environment) and --target go\n"
      "to the agents with the run; the controller keeps them in memory only, never in its\n"
      "database.");
  cmd->add_option("name", f->campaign, "Campaign name (see stampede campaign ls)")->required();
  cmd->add_option("--agents", f->agents, "How many agents (default: every healthy idle one)");
  cmd->add_flag(
      "--wait", f->wait,
      "Follow the run to its end; exit 0, 99 (a threshold failed), 105 (stopped) or 1, as "
      "a local run");
  cmd->add_option("--summary-json", f->summary_json, "With --wait: write the summary as JSON");
  cmd->add_option("--report", f->report,
                  "With --wait: write the run's HTML report to FILE when it ends, whatever ends "
                  "it");
  add_parameter_flags(cmd, f->parameters);
  add_connection_flags(cmd, f->settings);
  cmd->callback([f, &exit] {
    if (!f->report.empty() && !f->wait) {
      std::cerr << "stampede start: --report goes with --wait (or later: stampede report RUN)\n";
      exit = exit_code::usage_error;
      return;
    }
    if (f->wait) {
      block_attach_signals();  // before the client's threads exist
    }
    exit = with_client(f->settings, [&](control::control_client& client) {
      const auto parameters = start_parameters(f->parameters, client.get_campaign(f->campaign));
      const auto r =
          client.start_run(f->campaign, f->agents, invocation(), parameters, f->parameters.target);
      std::cout << r.run_id() << "\n" << std::flush;
      std::cerr << fmt::format("stampede: run {} of {} on {} agent{}: {}\n", r.run_id(),
                               r.campaign(), r.agents_size(), r.agents_size() == 1 ? "" : "s",
                               agents_line(r));
      if (!f->wait) {
        return exit_code::ok;
      }
      const auto code = attach(f->settings, client, r.run_id(), f->summary_json);
      if (!f->report.empty() && !write_remote_report(client, r.run_id(), f->report)) {
        return exit_code::runtime_failure;
      }
      return code;
    });
  });
}

void register_attach_command(CLI::App& app, int& exit) {
  struct flags {
    control::client_settings settings;
    std::int64_t run = 0;
    std::string summary_json;
    std::string report;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand("attach",
                                 "Follow a run on the controller (Ctrl-C: stop the run or detach)");
  cmd->add_option("run", f->run, "Run id")->required();
  cmd->add_option("--summary-json", f->summary_json, "Write the summary as JSON");
  cmd->add_option("--report", f->report, "Write the run's HTML report to FILE when it ends");
  add_connection_flags(cmd, f->settings);
  cmd->callback([f, &exit] {
    block_attach_signals();  // before the client's threads exist
    exit = with_client(f->settings, [&](control::control_client& client) {
      const auto code = attach(f->settings, client, f->run, f->summary_json);
      if (!f->report.empty() && !write_remote_report(client, f->run, f->report)) {
        return exit_code::runtime_failure;
      }
      return code;
    });
  });
}

void register_stop_command(CLI::App& app, int& exit) {
  struct flags {
    control::client_settings settings;
    std::int64_t run = 0;
    bool abort = false;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand("stop", "Stop a run on the controller's agents");
  cmd->add_option("run", f->run, "Run id")->required();
  cmd->add_flag("--abort", f->abort, "Close connections at once instead of letting requests end");
  add_connection_flags(cmd, f->settings);
  cmd->callback([f, &exit] {
    exit = with_client(f->settings, [&](control::control_client& client) {
      const auto r = client.stop_run(f->run, f->abort);
      std::cout << fmt::format("run {}: {}\n", r.run_id(),
                               f->abort ? "aborting" : "stopping; requests in flight finish");
      return exit_code::ok;
    });
  });
}

void register_status_command(CLI::App& app, int& exit) {
  struct flags {
    control::client_settings settings;
    std::int64_t run = 0;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand("status", "What runs on the controller, or one run in detail");
  cmd->add_option("run", f->run, "Run id (default: every run in progress)");
  add_connection_flags(cmd, f->settings);
  cmd->callback([f, &exit] {
    exit = with_client(f->settings, [&](control::control_client& client) {
      if (f->run == 0) {
        std::size_t running = 0;
        for (const auto& r : client.list_runs(50)) {
          if (r.status() == "running") {
            ++running;
            std::cout << fmt::format("run {} {}: {} s of {:.0f} s, {} requests, {} failed; {}\n",
                                     r.run_id(), r.campaign(), r.intervals(), r.total_s(),
                                     r.requests(), r.failed(), agents_line(r));
          }
        }
        if (running == 0) {
          std::cout << "no run in progress\n";
        }
        return exit_code::ok;
      }
      const auto r = client.get_run(f->run);
      std::cout << fmt::format("run {}: {}\n", r.run_id(), r.campaign());
      std::cout << fmt::format("  status     {}{}\n", r.status(),
                               r.degraded() ? " (degraded)" : "");
      std::cout << fmt::format("  started    {}\n", core::local_time_text(r.started_at_ms()));
      if (r.status() == "running") {
        std::cout << fmt::format("  progress   {} s of {:.0f} s, {} requests, {} failed\n",
                                 r.intervals(), r.total_s(), r.requests(), r.failed());
      } else {
        std::cout << fmt::format("  ended      {}, exit code {}\n",
                                 r.ended_at_ms() ? core::local_time_text(r.ended_at_ms()) : "-",
                                 r.exit_code());
        std::cout << fmt::format("  requests   {} total, {} failed\n", r.requests(), r.failed());
      }
      for (const auto& a : r.agents()) {
        std::cout << fmt::format("  agent      {} {} workers {}-{} clock offset {} ms\n", a.name(),
                                 a.state(), a.first_worker(), a.first_worker() + a.workers() - 1,
                                 a.clock_offset_ms());
      }
      for (const auto& e : r.events()) {
        std::cout << "  event      " << e << "\n";
      }
      return exit_code::ok;
    });
  });
}

}  // namespace stampede::cli

// SPDX-License-Identifier: Apache-2.0
#include "engine/run_controller.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "core/unix_time.hpp"
#include "engine/agent.hpp"
#include "engine/interval_merger.hpp"
#include "engine/progress_line.hpp"
#include "engine/thresholds.hpp"
#include "metrics/metric_set_codec.hpp"
#include "metrics/summary_report.hpp"
#include "storage/results_db.hpp"

namespace stampede::engine {
namespace {

using core::unix_ms;

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Plain logs get a line every few seconds; terminals get the live line every second.
constexpr std::int64_t plain_progress_every = 5;

class controller {
 public:
  controller(std::shared_ptr<const run_plan> plan, const run_settings& settings)
      : plan_(std::move(plan)), settings_(settings), tty_(::isatty(STDERR_FILENO) == 1) {}

  run_outcome run();

 private:
  void open_db();
  void on_report(interval_report r);
  void on_lost(const std::string& message, const std::vector<std::uint32_t>& workers);
  void show_progress(const completed_interval& c);
  void warn(const std::string& message);
  void handle_signal(int count);
  void finish_progress_line();
  /// Stops the run at once when an abort_on_fail threshold fails (exit 99).
  void check_abort_thresholds();
  bool stopping() const {
    return interrupted_ || overdue_ || !worker_failure_.empty() || recorder_->aborted_by();
  }

  std::shared_ptr<const run_plan> plan_;
  run_settings settings_;
  asio::io_context ctl_{1};
  std::unique_ptr<agent> agent_;
  std::uint32_t worker_count_ = 0;
  std::optional<storage::results_db> db_;
  std::optional<run_recorder> recorder_;
  std::string status_ = "completed";
  bool interrupted_ = false;    ///< stopped by a signal: exit 105
  std::string worker_failure_;  ///< the first worker failure reported: the run fails
  bool overdue_ = false;        ///< aborted past the plan's end: exit 1
  bool tty_;
  bool line_open_ = false;
};

void controller::open_db() {
  if (settings_.db_path.empty()) {
    return;
  }
  try {
    db_.emplace(settings_.db_path);
  } catch (const std::exception& e) {
    warn(fmt::format("results will not be stored: {}", e.what()));
  }
}

void controller::warn(const std::string& message) {
  finish_progress_line();
  std::cerr << "stampede: warning: " << message << "\n";
}

void controller::finish_progress_line() {
  if (line_open_) {
    std::cerr << "\n";
    line_open_ = false;
  }
}

void controller::on_report(interval_report r) {
  if (!r.fatal.empty() && worker_failure_.empty()) {
    // A worker failed: the run fails (exit 1) with its cause; the others stop at once.
    worker_failure_ = r.fatal;
    recorder_->add_event(r.fatal, true);
    agent_->stop(true);
  }
  for (const auto& c : recorder_->add(std::move(r))) {
    show_progress(c);
  }
  check_abort_thresholds();
  if (recorder_->all_finished()) {
    ctl_.stop();
  }
}

void controller::check_abort_thresholds() {
  if (stopping()) {
    return;  // the run is ending already; its thresholds are checked at the end
  }
  if (const auto failed = recorder_->check_abort()) {
    finish_progress_line();
    std::cerr << fmt::format(
        "stampede: threshold '{}' failed (actual {}): aborting the run\n",
        failed->result.expression,
        metrics::format_threshold_value(failed->result.expression, *failed->result.actual));
    status_ = "aborted";
    agent_->stop(true);
  }
}

void controller::on_lost(const std::string& message, const std::vector<std::uint32_t>& workers) {
  warn(message);
  recorder_->add_event(message + "; its workers' later seconds are missing", true);
  for (const auto w : workers) {
    for (const auto& c : recorder_->retire(w)) {
      show_progress(c);
    }
  }
  check_abort_thresholds();
  if (recorder_->all_finished()) {
    ctl_.stop();
  }
}

void controller::show_progress(const completed_interval& c) {
  if (!settings_.progress || (!tty_ && (c.index + 1) % plain_progress_every != 0)) {
    return;
  }
  const auto ps = recorder_->progress(c);
  if (tty_) {
    std::cerr << "\r\033[K" << format_progress(ps, true) << std::flush;
    line_open_ = true;
  } else {
    std::cerr << format_progress(ps, false) << "\n" << std::flush;
  }
}

void controller::handle_signal(int count) {
  finish_progress_line();
  if (recorder_->aborted_by()) {
    agent_->stop(true);  // a threshold aborted the run already: its exit code stands
    return;
  }
  interrupted_ = true;
  if (count == 1) {
    status_ = "interrupted";
    std::cerr << "stampede: stopping: letting requests in flight finish (Ctrl-C again to abort)\n";
    agent_->stop(false);
  } else {
    status_ = "aborted";
    std::cerr << "stampede: aborting: closing every connection\n";
    agent_->stop(true);
  }
}

run_outcome controller::run() {
  open_db();
  worker_count_ = settings_.make_agent ? settings_.workers : plan_->threads;
  storage::run_record record;
  record.name = plan_->campaign.name;
  record.command = settings_.command_line;
  record.campaign_text = plan_->campaign.source_text;
  record.started_at_ms = unix_ms();
  record.status = "running";
  recorder_.emplace(plan_, worker_count_, db_ ? &*db_ : nullptr, record,
                    [this](const std::string& m) { warn(m); });
  if (settings_.on_stored && recorder_->run_id() != 0) {
    settings_.on_stored(recorder_->run_id());
  }

  auto sink = [this](interval_report r) {
    asio::post(ctl_, [this, r = std::move(r)]() mutable { on_report(std::move(r)); });
  };
  if (settings_.make_agent) {
    agent_ = settings_.make_agent(
        plan_, worker_count_, sink,
        [this](const std::string& message, const std::vector<std::uint32_t>& workers) {
          asio::post(ctl_, [this, message, workers] { on_lost(message, workers); });
        });
  } else {
    agent_ = std::make_unique<local_agent>(plan_, 0, worker_count_, worker_count_, sink);
  }

  if (settings_.progress) {
    std::cerr << fmt::format("stampede: {} -> {} ({} phase{}, {} thread{}{})\n",
                             plan_->campaign.name, plan_->target.origin(), plan_->phases.size(),
                             plan_->phases.size() == 1 ? "" : "s", worker_count_,
                             worker_count_ == 1 ? "" : "s",
                             settings_.hosting.empty() ? "" : " in " + settings_.hosting);
  }

  asio::signal_set signals(ctl_, SIGINT, SIGTERM);
  int signal_count = 0;
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) {
        return;
      }
      handle_signal(++signal_count);
      wait_signal();
    });
  };
  wait_signal();

  // A run that outlives its plan by far is stuck somewhere; abort rather than hang a pipeline.
  asio::steady_timer overdue(ctl_);
  const bool bounded = std::none_of(plan_->phases.begin(), plan_->phases.end(),
                                    [](const phase_plan& p) { return p.ends_by_iterations; });

  const auto run_start = clock::now() + 50ms;
  recorder_->set_start_unix_ms(unix_ms() + 50);
  recorder_->observe(settings_.observer);
  recorder_->monitor(settings_.monitors);
  bool failed = false;
  std::string failure;
  try {
    agent_->start(run_start);
    if (bounded) {
      overdue.expires_at(run_start + plan_->total_length + 60s);
      overdue.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) {
          finish_progress_line();
          std::cerr << "stampede: run overdue; aborting\n";
          status_ = "aborted";
          overdue_ = true;  // a hang: a runtime failure, whatever the thresholds say
          agent_->stop(true);
        }
      });
    }
    ctl_.run();
  } catch (const std::exception& e) {
    failed = true;
    failure = e.what();
    agent_->stop(true);
  }
  agent_->join();
  // Reports posted after the loop stopped (a failure path) are merged now.
  ctl_.restart();
  ctl_.poll();
  finish_progress_line();
  if (!failed && !worker_failure_.empty()) {
    failed = true;
    failure = worker_failure_;
  }
  if (failed) {
    status_ = "failed";
    std::cerr << "stampede: run failed: " << failure << "\n";
  }

  const double duration_s = std::chrono::duration<double>(clock::now() - run_start).count();
  auto outcome = recorder_->finish(status_, failed || overdue_, interrupted_, duration_s);
  const auto summary_json = nlohmann::json(outcome.summary);
  if (!settings_.summary_json.empty()) {
    std::ofstream out(settings_.summary_json);
    out << summary_json.dump(2) << "\n";
    if (!out) {
      std::cerr << "stampede: cannot write " << settings_.summary_json << "\n";
      outcome.exit_code = 1;  // a runtime failure wins over 105 and 99
    }
  }
  if (settings_.print_summary) {
    std::cout << metrics::format_summary(outcome.summary, ::isatty(STDOUT_FILENO) == 1);
    if (outcome.run_id) {
      std::cout << fmt::format("\n  run {} stored in {}\n", *outcome.run_id, settings_.db_path);
    }
    std::cout << std::flush;
  }
  return outcome;
}

}  // namespace

run_outcome execute_run(std::shared_ptr<const run_plan> plan, const run_settings& settings) {
  controller c(std::move(plan), settings);
  return c.run();
}

}  // namespace stampede::engine

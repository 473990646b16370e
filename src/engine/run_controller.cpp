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
  void on_report(interval_report r);
  void complete_interval(const completed_interval& c);
  void open_db();
  void handle_signal(int count);
  void finish_progress_line();

  std::shared_ptr<const run_plan> plan_;
  run_settings settings_;
  asio::io_context ctl_{1};
  std::unique_ptr<agent> agent_;
  std::uint32_t worker_count_ = 0;
  std::optional<interval_merger> merger_;
  std::optional<storage::results_db> db_;
  std::int64_t run_id_ = 0;
  std::string status_ = "completed";
  bool tty_;
  bool line_open_ = false;
  clock::time_point started_{};
};

void controller::open_db() {
  if (settings_.db_path.empty()) {
    return;
  }
  try {
    db_.emplace(settings_.db_path);
    storage::run_record rec;
    rec.name = plan_->campaign.name;
    rec.command = settings_.command_line;
    rec.campaign_text = plan_->campaign.source_text;
    rec.started_at_ms = unix_ms();
    rec.status = "running";
    run_id_ = db_->begin_run(rec);
  } catch (const std::exception& e) {
    std::cerr << "stampede: warning: results will not be stored: " << e.what() << "\n";
    db_.reset();
  }
}

void controller::finish_progress_line() {
  if (line_open_) {
    std::cerr << "\n";
    line_open_ = false;
  }
}

void controller::on_report(interval_report r) {
  for (const auto& c : merger_->add(std::move(r))) {
    complete_interval(c);
  }
  if (merger_->all_finished()) {
    ctl_.stop();
  }
}

void controller::complete_interval(const completed_interval& c) {
  const auto index = c.index;
  const auto& merged = c.merged;
  if (db_) {
    try {
      auto encoded = metrics::encode(merged);
      storage::interval_record rec;
      rec.run_id = run_id_;
      rec.index = index;
      rec.started_at_ms = unix_ms() - 1000;
      rec.metrics_json = encoded.counters.dump();
      rec.histograms = std::move(encoded.histograms);
      db_->add_interval(rec);
    } catch (const std::exception& e) {
      finish_progress_line();
      std::cerr << "stampede: warning: storing interval " << index << " failed: " << e.what()
                << "\n";
    }
  }
  if (!settings_.progress || (!tty_ && (index + 1) % plain_progress_every != 0)) {
    return;
  }
  progress_state ps;
  const auto& phase = plan_->phases.at(std::min(c.phase, plan_->phases.size() - 1));
  ps.phase = phase.name;
  ps.elapsed_s = static_cast<double>(index + 1);
  ps.total_s =
      phase.ends_by_iterations ? 0 : std::chrono::duration<double>(plan_->total_length).count();
  if (ps.total_s > 0) {
    // The last interval may end after the plan, while requests in flight finish.
    ps.elapsed_s = std::min(ps.elapsed_s, ps.total_s);
  }
  ps.users = merged.active_users;
  ps.rps = static_cast<double>(merged.requests);
  if (!merged.latency.empty()) {
    ps.p50_ms = static_cast<double>(merged.latency.value_at_percentile(50)) / 1000.0;
    ps.p99_ms = static_cast<double>(merged.latency.value_at_percentile(99)) / 1000.0;
  }
  ps.requests = merger_->totals().requests;
  ps.failed = merger_->totals().requests_failed;
  if (tty_) {
    std::cerr << "\r\033[K" << format_progress(ps, true) << std::flush;
    line_open_ = true;
  } else {
    std::cerr << format_progress(ps, false) << "\n" << std::flush;
  }
}

void controller::handle_signal(int count) {
  finish_progress_line();
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
  worker_count_ = plan_->threads;
  merger_.emplace(plan_->layout, worker_count_);

  auto sink = [this](interval_report r) {
    asio::post(ctl_, [this, r = std::move(r)]() mutable { on_report(std::move(r)); });
  };
  agent_ = std::make_unique<local_agent>(plan_, 0, worker_count_, worker_count_, sink);

  if (settings_.progress) {
    std::cerr << fmt::format("stampede: {} -> {} ({} phase{}, {} thread{})\n", plan_->campaign.name,
                             plan_->target.origin(), plan_->phases.size(),
                             plan_->phases.size() == 1 ? "" : "s", worker_count_,
                             worker_count_ == 1 ? "" : "s");
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

  started_ = clock::now();
  const auto run_start = started_ + 50ms;
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
  for (const auto& c : merger_->drain()) {
    complete_interval(c);
  }
  finish_progress_line();
  if (failed) {
    status_ = "failed";
    std::cerr << "stampede: run failed: " << failure << "\n";
  }

  const double duration_s = std::chrono::duration<double>(clock::now() - run_start).count();
  run_outcome outcome;
  outcome.summary =
      metrics::summary::build(merger_->totals(), plan_->layout, std::max(0.0, duration_s));
  outcome.summary.name = plan_->campaign.name;
  outcome.summary.status = status_;
  outcome.summary.started_at_ms = unix_ms() - static_cast<std::int64_t>(duration_s * 1000);
  evaluate_thresholds(plan_->campaign.thresholds, outcome.summary);
  outcome.exit_code = failed ? 1 : !outcome.summary.thresholds_ok() ? 99 : 0;
  const auto summary_json = nlohmann::json(outcome.summary);

  if (!settings_.summary_json.empty()) {
    std::ofstream out(settings_.summary_json);
    out << summary_json.dump(2) << "\n";
    if (!out) {
      std::cerr << "stampede: cannot write " << settings_.summary_json << "\n";
      outcome.exit_code = outcome.exit_code == 0 ? 1 : outcome.exit_code;
    }
  }
  if (db_) {
    try {
      db_->finish_run(run_id_, unix_ms(), status_, outcome.exit_code, summary_json.dump());
      outcome.run_id = run_id_;
    } catch (const std::exception& e) {
      std::cerr << "stampede: warning: storing the summary failed: " << e.what() << "\n";
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

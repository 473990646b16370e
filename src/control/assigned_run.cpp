// SPDX-License-Identifier: Apache-2.0
#include "control/assigned_run.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "control/report_codec.hpp"
#include "core/unix_time.hpp"
#include "scenario/campaign_parser.hpp"

namespace stampede::control {

namespace {

/// The controller's instant `at_ms`, read on our clock, placed on the steady clock.
std::chrono::steady_clock::time_point on_steady_clock(std::int64_t at_ms, std::int64_t offset_ms) {
  const auto now_ms = core::unix_ms();
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(at_ms - offset_ms - now_ms);
}

}  // namespace

assigned_run::assigned_run(const v1::Assignment& a, std::int64_t offset_ms, report_callback report,
                           arrival_callback arrived)
    : id_(a.run_id()) {
  // The values the run was started with, and never this agent's environment: every agent
  // then sends the same requests, wherever it runs.
  std::map<std::string, std::string> given;
  for (const auto& [name, value] : a.parameters()) {
    given.emplace(name, value);
  }
  scenario::run_parameters params(std::move(given), false);
  if (!a.target().empty()) {
    params.target = a.target();
  }
  auto campaign =
      scenario::parse_campaign_with_data(a.campaign_text(), a.source_file(), a.data_text(), params);
  engine::run_options options;
  options.threads = a.total_workers();
  plan_ = engine::run_plan::build(std::move(campaign), options);
  sink_ = [run_id = id_, report = std::move(report)](engine::interval_report r) {
    report(to_wire(run_id, r));
  };
  barrier_ = std::make_shared<engine::relayed_phase_barrier>(
      [run_id = id_, arrived = std::move(arrived)](std::size_t phase, std::uint32_t worker) {
        v1::PhaseDone done;
        done.set_run_id(run_id);
        done.set_phase(static_cast<std::uint32_t>(phase));
        done.set_worker(worker);
        arrived(std::move(done));
      });
  add(a, offset_ms);
}

assigned_run::~assigned_run() {
  for (auto& p : parts_) {
    p->agent->stop(true);
  }
  for (auto& p : parts_) {
    p->joiner.join();
  }
}

void assigned_run::add(const v1::Assignment& a, std::int64_t offset_ms) {
  // The controller's instants read on our clock, then placed on the steady clock.
  const auto now_ms = core::unix_ms();
  const auto steady_now = std::chrono::steady_clock::now();
  const auto run_start =
      steady_now + std::chrono::milliseconds(a.start_at_ms() - offset_ms - now_ms);
  auto resume_at = run_start;
  if (a.resume_at_ms() > 0) {
    resume_at = steady_now + std::chrono::milliseconds(a.resume_at_ms() - offset_ms - now_ms);
  }
  starts_in_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::max(run_start, resume_at) - steady_now);

  // A takeover after phases that ended by iterations comes in where the run is now.
  std::vector<engine::worker::takeover_point> takeovers;
  if (a.resume_at_ms() > 0) {
    for (std::uint32_t i = 0; i < a.workers(); ++i) {
      engine::worker::takeover_point t;
      t.first_phase = a.first_phase();
      t.shift = std::chrono::milliseconds(a.shift_ms());
      if (a.iterations_phase() > 0) {
        t.iterations_phase = a.iterations_phase() - 1;
        t.iterations_left =
            i < static_cast<std::uint32_t>(a.iterations_left_size()) ? a.iterations_left(i) : 0;
      }
      takeovers.push_back(t);
    }
  }
  auto p = std::make_unique<part>();
  p->agent = std::make_unique<engine::local_agent>(plan_, a.first_worker(), a.workers(),
                                                   a.total_workers(), sink_, barrier_, takeovers);
  p->agent->start(run_start, resume_at);
  if (stopped_) {
    p->agent->stop(false);
  }
  auto* raw = p.get();
  p->joiner = std::thread([raw] {
    raw->agent->join();
    raw->done = true;
  });
  parts_.push_back(std::move(p));
}

void assigned_run::release(const v1::PhaseStart& start, std::int64_t offset_ms) {
  barrier_->release(start.phase(), on_steady_clock(start.start_at_ms(), offset_ms));
}

std::vector<v1::PhaseDone> assigned_run::pending_arrivals() const {
  std::vector<v1::PhaseDone> out;
  for (const auto& [phase, worker] : barrier_->pending()) {
    v1::PhaseDone done;
    done.set_run_id(id_);
    done.set_phase(static_cast<std::uint32_t>(phase));
    done.set_worker(worker);
    out.push_back(std::move(done));
  }
  return out;
}

bool assigned_run::done() const {
  return std::all_of(parts_.begin(), parts_.end(), [](const auto& p) { return p->done.load(); });
}

void assigned_run::stop(bool abort) {
  stopped_ = true;
  for (auto& p : parts_) {
    p->agent->stop(abort);
  }
}

}  // namespace stampede::control

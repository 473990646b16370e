// SPDX-License-Identifier: Apache-2.0
#include "control/assigned_run.hpp"

#include <memory>

#include "control/report_codec.hpp"
#include "core/unix_time.hpp"
#include "scenario/campaign_parser.hpp"

namespace stampede::control {

assigned_run::assigned_run(const v1::Assignment& a, std::int64_t offset_ms, report_callback report)
    : id_(a.run_id()) {
  auto campaign = scenario::parse_campaign(a.campaign_text(), a.source_file(), ".", true);
  engine::run_options options;
  options.threads = a.total_workers();
  const auto plan = engine::run_plan::build(std::move(campaign), options);
  // Our clock's reading of the controller's start instant, then onto the steady clock.
  starts_in_ = std::chrono::milliseconds(a.start_at_ms() - offset_ms - core::unix_ms());
  const auto run_start = std::chrono::steady_clock::now() + starts_in_;
  const auto run_id = id_;
  agent_ = std::make_unique<engine::local_agent>(
      plan, a.first_worker(), a.workers(), a.total_workers(),
      [run_id, report = std::move(report)](engine::interval_report r) {
        report(to_wire(run_id, r));
      });
  agent_->start(run_start);
  joiner_ = std::thread([this] {
    agent_->join();
    done_ = true;
  });
}

assigned_run::~assigned_run() {
  agent_->stop(true);
  joiner_.join();
}

void assigned_run::stop(bool abort) {
  agent_->stop(abort);
}

}  // namespace stampede::control

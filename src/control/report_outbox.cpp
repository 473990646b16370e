// SPDX-License-Identifier: Apache-2.0
#include "control/report_outbox.hpp"

namespace stampede::control {

void report_outbox::push(v1::IntervalReport report) {
  key k{report.run_id(), report.worker(), report.index()};
  kept_.insert_or_assign(k, std::move(report));
  unsent_.push_back(k);
}

std::vector<v1::IntervalReport> report_outbox::take_unsent() {
  std::vector<v1::IntervalReport> out;
  while (!unsent_.empty()) {
    const auto k = unsent_.front();
    unsent_.pop_front();
    if (const auto it = kept_.find(k); it != kept_.end()) {
      out.push_back(it->second);
    }
  }
  return out;
}

void report_outbox::acknowledge(std::int64_t run_id, std::uint32_t worker, std::int64_t index) {
  kept_.erase(key{run_id, worker, index});
}

void report_outbox::resend_all() {
  unsent_.clear();
  // The map's order is run, worker, index: each worker's reports go out in order, as the
  // controller's merger expects.
  for (const auto& [k, report] : kept_) {
    unsent_.push_back(k);
  }
}

std::size_t report_outbox::unacknowledged(std::int64_t run_id) const {
  std::size_t n = 0;
  for (const auto& [k, report] : kept_) {
    n += std::get<0>(k) == run_id ? 1 : 0;
  }
  return n;
}

}  // namespace stampede::control

// SPDX-License-Identifier: Apache-2.0
#include "engine/interval_merger.hpp"

#include <algorithm>

namespace stampede::engine {

interval_merger::interval_merger(const metrics::metric_layout& layout, std::uint32_t workers)
    : layout_(layout), next_index_(workers, 0), finished_(workers, false), totals_(layout) {}

std::vector<completed_interval> interval_merger::add(interval_report report,
                                                     const std::string& source, bool source_ends) {
  const auto w = report.worker;
  if (w >= next_index_.size() || report.index < next_index_[w] || finished_[w]) {
    ++duplicates_;
    return {};
  }
  auto [it, inserted] = pending_.try_emplace(report.index);
  if (inserted) {
    it->second.merged = metrics::metric_set(layout_);
  }
  it->second.merged.merge(report.metrics, metrics::metric_set::gauges::add);
  it->second.phase = std::max(it->second.phase, report.phase);
  if (!source.empty()) {
    auto& share = it->second.sources[source];
    share.requests += report.metrics.requests;
    share.failed += std::min(report.metrics.requests, report.metrics.requests_failed);
    share.ended = share.ended || source_ends;
  }
  next_index_[w] = report.index + 1;
  if (report.final) {
    finished_[w] = true;
    ++finished_count_;
  }
  return flush(false);
}

std::vector<completed_interval> interval_merger::retire(std::uint32_t worker) {
  if (worker < finished_.size() && !finished_[worker]) {
    finished_[worker] = true;
    ++finished_count_;
  }
  return flush(false);
}

std::vector<completed_interval> interval_merger::drain() {
  return flush(true);
}

std::vector<completed_interval> interval_merger::flush(bool everything) {
  std::vector<completed_interval> done;
  while (!pending_.empty()) {
    auto it = pending_.begin();
    const auto index = it->first;
    if (!everything) {
      for (std::size_t w = 0; w < next_index_.size(); ++w) {
        if (!finished_[w] && next_index_[w] <= index) {
          return done;
        }
      }
    }
    totals_.merge(it->second.merged, metrics::metric_set::gauges::keep_peak);
    if (const auto connects = it->second.merged.held_established; connects > 0) {
      if (++totals_.held_connect_seconds == 1) {
        totals_.held_first_second_connects = connects;
      }
      totals_.held_last_second_connects = connects;
      totals_.held_peak_connects = std::max(totals_.held_peak_connects, connects);
    }
    // Messages published well before the newest one get no more deliveries worth waiting for:
    // settling them keeps the run's table as small as a window of messages.
    auto& pending = totals_.push_pending;
    if (!pending.empty()) {
      pending.settle_before(pending.newest_published_us() - metrics::reach_settle_after_us,
                            totals_.push_reach);
    }
    done.push_back(
        {index, it->second.phase, std::move(it->second.merged), std::move(it->second.sources)});
    pending_.erase(it);
  }
  return done;
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
#include "engine/threshold_abort.hpp"

#include <algorithm>
#include <chrono>

#include "engine/thresholds.hpp"

namespace stampede::engine {

std::optional<threshold_abort> abort_thresholds::check(const metrics::metric_set& totals,
                                                       const metrics::metric_layout& layout,
                                                       std::int64_t seconds,
                                                       const sut_so_far& sut) const {
  const auto due = [&](const scenario::threshold& t) {
    return t.abort_on_fail && std::chrono::seconds(seconds) >= t.delay;
  };
  if (seconds <= 0 || std::none_of(thresholds_.begin(), thresholds_.end(), due)) {
    return std::nullopt;
  }
  auto so_far = metrics::summary::build(totals, layout, static_cast<double>(seconds));
  so_far.sut = sut;
  for (std::size_t i = 0; i < thresholds_.size(); ++i) {
    if (!due(thresholds_[i])) {
      continue;
    }
    auto r = evaluate(thresholds_[i], so_far);
    if (r.actual && !r.ok) {
      return threshold_abort{i, std::move(r), seconds};
    }
  }
  return std::nullopt;
}

}  // namespace stampede::engine

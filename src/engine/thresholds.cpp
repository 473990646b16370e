// SPDX-License-Identifier: Apache-2.0
#include "engine/thresholds.hpp"

namespace stampede::engine {

void evaluate_thresholds(const std::vector<scenario::threshold>& thresholds, metrics::summary& s) {
  using cmp = scenario::threshold::comparison;
  s.thresholds.clear();
  for (const auto& t : thresholds) {
    metrics::threshold_result r{t.expression, false, s.metric(t.metric)};
    if (r.actual) {
      const double v = *r.actual;
      switch (t.op) {
        case cmp::less:
          r.ok = v < t.value;
          break;
        case cmp::less_equal:
          r.ok = v <= t.value;
          break;
        case cmp::greater:
          r.ok = v > t.value;
          break;
        case cmp::greater_equal:
          r.ok = v >= t.value;
          break;
        case cmp::equal:
          r.ok = v == t.value;
          break;
      }
    }
    s.thresholds.push_back(std::move(r));
  }
}

}  // namespace stampede::engine

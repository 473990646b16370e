// SPDX-License-Identifier: Apache-2.0
// Thresholds: the CI gate. Each is checked against the finished run's summary.
#pragma once

#include <vector>

#include "metrics/summary.hpp"
#include "scenario/campaign.hpp"

namespace stampede::engine {

/// Fills `s.thresholds`. A threshold on a metric with no data (a percentile of zero requests)
/// fails: a gate that cannot be measured must not pass.
void evaluate_thresholds(const std::vector<scenario::threshold>& thresholds, metrics::summary& s);

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// Thresholds: the CI gate. Each is checked against the finished run's summary, and those with
// abort_on_fail also against the totals so far, every second while the run goes on.
#pragma once

#include <optional>
#include <vector>

#include "metrics/summary.hpp"
#include "scenario/campaign.hpp"

namespace stampede::engine {

/// The value `t` compares, in its metric's unit, over what its scope filters: the whole run, a
/// scenario, a step, a status code or class (a step's, with a step). nullopt when nothing was
/// measured (a percentile of zero requests, a rate of none) or the scope is not in `s`.
std::optional<double> measure(const scenario::threshold& t, const metrics::summary& s);

/// `t` checked against `s`.
metrics::threshold_result evaluate(const scenario::threshold& t, const metrics::summary& s);

/// Fills `s.thresholds`. A threshold on a metric with no data (a percentile of zero requests)
/// fails: a gate that cannot be measured must not pass.
void evaluate_thresholds(const std::vector<scenario::threshold>& thresholds, metrics::summary& s);

}  // namespace stampede::engine

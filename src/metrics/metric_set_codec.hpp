// SPDX-License-Identifier: Apache-2.0
// A metric_set as JSON counters plus encoded histograms: how intervals are stored in the
// results database and how they will travel from agents to the controller.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/metric_set.hpp"

namespace stampede::metrics {

struct encoded_metric_set {
  nlohmann::json counters;
  /// name -> histogram::encode(); names: latency, connect, tls, ttfb, schedule_lag, step.N
  std::vector<std::pair<std::string, std::string>> histograms;
};

encoded_metric_set encode(const metric_set& m);

/// Rebuilds a set with `layout`'s shape. Returns nullopt when a histogram does not decode or a
/// field has the wrong type.
std::optional<metric_set> decode(const encoded_metric_set& e, const metric_layout& layout);

}  // namespace stampede::metrics

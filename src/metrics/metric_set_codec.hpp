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

/// Each field of metric_set.hpp's lists travels under its name: counters and vectors as JSON
/// members of `counters`, histograms in `histograms`, a histogram vector's entry i as
/// "<codec name>.<i>" ("step.3", "scenario_latency.0"). Status codes, errors and their
/// reasons are JSON members too; push_reach travels as "push_reach.<share>", the reach table
/// as "push_pending".
struct encoded_metric_set {
  nlohmann::json counters;
  /// name -> histogram::encode(); histograms left empty are not written
  std::vector<std::pair<std::string, std::string>> histograms;
};

encoded_metric_set encode(const metric_set& m);

/// Rebuilds a set with `layout`'s shape; a field `e` lacks stays zero (a set stored before the
/// field existed). Returns nullopt, and never throws, when a histogram does not decode, a field
/// has the wrong type, an error class or histogram name is unknown, or a position (a status
/// code, an index) is not all decimal digits or lies past the layout's.
std::optional<metric_set> decode(const encoded_metric_set& e, const metric_layout& layout);

}  // namespace stampede::metrics

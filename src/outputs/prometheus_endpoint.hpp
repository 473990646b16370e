// SPDX-License-Identifier: Apache-2.0
// `prometheus=HOST:PORT`: a scrape endpoint, `GET /metrics` in the text exposition format
// 0.0.4, for as long as the run goes and `linger` after it, so the last seconds are scraped.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "outputs/output.hpp"

namespace stampede::outputs {

/// Listens at once (a taken port is an error before the run starts): throws
/// std::runtime_error naming the address.
std::unique_ptr<output> make_prometheus_endpoint(const std::string& address,
                                                 std::chrono::milliseconds linger,
                                                 std::string* listening_on = nullptr);

/// Prometheus's name for a series, and the factor its values take: counters end in _total,
/// ms become seconds (latency_p99_ms: stampede_latency_p99_seconds, x 0.001).
std::pair<std::string, double> prometheus_name(const series_point& p);

/// One run's part of a scrape: its last record, its counters so far and its last levels.
struct scraped_run {
  const second_record* last = nullptr;
  const std::vector<series_point>* totals = nullptr;
  const std::vector<series_point>* levels = nullptr;
};

/// What /metrics answers for several runs at once (the controller's endpoint): each metric's
/// samples of every run under one TYPE line, told apart by their `run` label.
std::string exposition_text(const std::vector<scraped_run>& runs);

/// What /metrics answers: `totals` (counts since the run began) and `levels` (the last
/// second's levels and statistics), labelled with `last`'s campaign and run. For the tests.
std::string exposition_text(const second_record* last, const std::vector<series_point>& totals,
                            const std::vector<series_point>& levels);

}  // namespace stampede::outputs

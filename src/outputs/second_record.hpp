// SPDX-License-Identifier: Apache-2.0
// One merged second as the outputs send it: the run's totals, exact latency percentiles from
// the second's own histograms, and the breakdowns by scenario, step, status, error class and
// agent. Built once a second and shared by every output, each writing it in its own format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/interval_merger.hpp"
#include "metrics/metric_set.hpp"

namespace stampede::outputs {

/// A second's latency in ms; unset without requests.
struct latency_figures {
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

struct request_figures {
  std::uint64_t requests = 0;
  std::uint64_t failed = 0;  ///< subset of requests: no response, or status >= 400
  std::optional<latency_figures> latency;
};

/// A labelled breakdown: (name, value) in the run's order.
template <typename T>
using keyed = std::vector<std::pair<std::string, T>>;

/// One value of a second: `metric` (see docs/outputs.md) with at most one label.
struct series_point {
  std::string metric;
  /// "", "scenario", "step", "status", "error", "agent" or "monitor" (static)
  std::string_view label;
  std::string label_value;
  double value = 0;
  /// A count over the second (it adds up over a run), not a level or a statistic.
  bool counter = false;
};

struct second_record {
  std::int64_t index = 0;  ///< seconds since the run's start
  std::int64_t t_ms = 0;   ///< the second's start, unix ms
  std::string campaign;
  std::int64_t run_id = 0;  ///< 0 when the run is not stored
  std::string phase;
  request_figures total;
  std::uint64_t users = 0, connections = 0;   ///< at the second's end
  std::uint64_t bytes_in = 0, bytes_out = 0;  ///< HTTP and WebSocket
  std::uint64_t checks_passed = 0, checks_failed = 0;
  std::optional<latency_figures> schedule_lag;  ///< open and constant-throughput phases
  keyed<std::uint64_t> counts;  ///< iterations, arrivals, WebSocket, SSE, push, connections
  keyed<request_figures> scenarios, steps;
  keyed<std::uint64_t> status;    ///< by status code ("200"), those seen
  keyed<std::uint64_t> errors;    ///< by error class, those seen
  keyed<request_figures> agents;  ///< distributed runs: what each agent added
  engine::sut_second sut;         ///< the system under test, by monitor (docs/monitor.md)
  /// points() of this record, made once by make_record() for every output to read.
  std::vector<series_point> points;
  /// The counters of points() summed over the run up to this second, included (set by
  /// output_set, which sees every second even when an output drops one).
  std::vector<series_point> totals;
  /// Only for outputs that want them (hdrlog): the second's latency histograms, the run's
  /// under "" first, then each step's that had requests, by step name.
  std::vector<std::pair<std::string, metrics::histogram>> histograms;
};

/// The record of `second` of a run laid out as `layout`, interval 0 beginning at `start_ms`.
second_record make_record(const engine::completed_interval& second,
                          const metrics::metric_layout& layout, std::int64_t start_ms);

/// Every value of the record, flat: what the time-series outputs send (the outputs read the
/// record's `points`, made with it).
std::vector<series_point> points(const second_record& r);

/// The record as one JSON object: the totals at the top level, the breakdowns nested
/// (`jsonl=`).
nlohmann::json to_json(const second_record& r);

}  // namespace stampede::outputs

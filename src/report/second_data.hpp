// SPDX-License-Identifier: Apache-2.0
// One stored second as the pages and the API draw it, and the run's numbers so far while it
// goes: what the live dashboard sends once a second.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "metrics/histogram.hpp"
#include "storage/results_db.hpp"

namespace stampede::report {

/// Latency heatmap buckets: edges in ms, four a decade from 10 us to 100 s.
inline constexpr int heat_buckets = 28;
double heat_edge_ms(int bucket);

/// The histograms a page draws: the run's latency and each scenario's (for the spectrum).
/// Per-step and connect histograms are left in the database.
const std::vector<std::string>& drawn_histograms();

/// The counters a page draws beside requests (iterations, dropped and late arrivals, opened
/// connections, WebSocket, SSE, long-poll and push messages, held connections).
const std::vector<std::string>& drawn_counters();

/// One second:
///   {"index", "t": unix s, "phase", "requests", "ok", "failed", "users", "connections",
///    "bytes_in", "bytes_out", "latency_ms": {"p50", "p90", "p95", "p99", "p999", "max"},
///    "errors": {class: n}, "status": {code: n}, "counts": {drawn counter: n, the non-zero
///    ones}, "schedule_lag_ms": {"p50", "p99", "max"}, "heatmap": [28 counts]}
/// Percentiles are exact, from the second's own histogram; null in a second without any.
nlohmann::json second_json(const storage::interval_record& second);
/// The same with the second's counters (its metrics_json) already parsed, as an object.
nlohmann::json second_json(const storage::interval_record& second, const nlohmann::json& metrics);

/// The spectrum of `h` as HdrHistogram plots it: {"x": [1/(1-p)], "ms": [...], "count"}.
nlohmann::json spectrum_json(const metrics::histogram& h);

/// The run's totals over the seconds seen so far, shaped as the summary's (requests,
/// latency_ms, users, connections), for the tiles of a run that has no summary yet.
class run_so_far {
 public:
  void add(const storage::interval_record& second);
  /// {"status": "running", "requests": {"total", "ok", "failed", "rps"},
  ///  "latency_ms": {"p50", "p90", "p95", "p99", "max"}, "users": {"peak"},
  ///  "connections": {"peak"}, "duration_s", "spectrum": {...}}
  nlohmann::json totals() const;
  std::int64_t last_index() const { return last_index_; }

 private:
  std::uint64_t requests_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t peak_users_ = 0;
  std::uint64_t peak_connections_ = 0;
  std::int64_t seconds_ = 0;
  std::int64_t last_index_ = -1;
  std::optional<metrics::histogram> latency_;
};

}  // namespace stampede::report

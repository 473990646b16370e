// SPDX-License-Identifier: Apache-2.0
// The end-of-run summary: built from the run's accumulated metric_set, printed for people,
// written as JSON (--summary-json, the results database) and read back (stampede show).
// The JSON schema is documented in docs/summary-json.md; its keys are a public contract.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "metrics/metric_set.hpp"
#include "metrics/sut_figures.hpp"

namespace stampede::metrics {

/// Percentiles of one histogram, in milliseconds.
struct latency_stats {
  std::uint64_t count = 0;
  double min = 0, mean = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;

  static latency_stats from(const histogram& h);
  /// "p95" -> value; nullopt for an unknown statistic.
  std::optional<double> get(std::string_view stat) const;
};

struct threshold_result {
  std::string expression;
  bool ok = false;
  std::optional<double> actual;  ///< nullopt when the metric had no data
};

struct error_summary {
  std::uint64_t count = 0;
  std::string sample;
  /// The class's distinct reasons, most frequent first (ties by text); "(other reasons)"
  /// counts those past the 64 kept per class.
  std::vector<std::pair<std::string, std::uint64_t>> reasons;
};

struct scenario_summary {
  std::string name;
  std::uint64_t started = 0;
  std::uint64_t completed = 0;
  std::uint64_t requests = 0;  ///< of the scenario's flow, as summary::requests_total
  std::uint64_t failed = 0;    ///< subset of requests, as summary::requests_failed
  latency_stats latency;       ///< every request of the scenario's flow
};

struct step_summary {
  std::string name;
  std::uint64_t requests = 0;  ///< finished, with a response or a failure
  std::uint64_t failed = 0;    ///< subset of requests: no response, or status >= 400
  /// requests by status_class_names: 1xx, 2xx, 3xx, 4xx, 5xx, other (no response)
  std::array<std::uint64_t, status_class_count> status_classes{};
  latency_stats latency;
};

/// What one output (--out) did with the run's seconds.
struct output_stats {
  std::uint64_t sent = 0;     ///< batches (or scrapes) delivered
  std::uint64_t dropped = 0;  ///< batches given up: the queue was full, or retries ran out
  std::uint64_t errors = 0;   ///< failed attempts (refused, timed out, an error status)
};

struct check_summary {
  std::string description;
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
};

struct summary {
  std::string name;
  std::string status = "completed";  ///< completed, interrupted, aborted, failed
  std::int64_t started_at_ms = 0;    ///< unix time
  double duration_s = 0;             ///< the whole run: load_s + graceful_stop_s
  double load_s = 0;                 ///< until the last phase ended (or a stop)
  /// From then until the last iteration still running ended or was interrupted.
  double graceful_stop_s = 0;

  std::uint64_t requests_total = 0;
  std::uint64_t requests_ok = 0;
  std::uint64_t requests_failed = 0;
  double rps = 0;

  latency_stats latency, ttfb, connect, tls, schedule_lag;
  std::map<int, std::uint64_t> status_codes;
  std::map<std::string, error_summary> errors;  ///< by error class name; only non-zero

  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t peak_users = 0, peak_connections = 0;
  std::uint64_t iterations_started = 0, iterations_completed = 0, iterations_dropped = 0;
  /// Ended by their phase's end (or its graceful stop running out) before they completed.
  std::uint64_t iterations_interrupted = 0;
  std::uint64_t late_starts = 0;
  std::uint64_t http2_streams = 0, streams_reset = 0, goaways = 0;
  std::uint64_t ws_opened = 0, ws_messages_in = 0, ws_messages_out = 0, ws_bytes_in = 0,
                ws_bytes_out = 0;
  latency_stats ws_handshake, ws_rtt;
  std::uint64_t sse_streams = 0, sse_events = 0;
  std::uint64_t longpoll_polls = 0, longpoll_messages = 0, longpoll_empty = 0;
  latency_stats sse_gap, longpoll_gap;
  /// Connections phases: established, held at the end, failed, dropped during the hold, and
  /// the achieved connect rate: on average over the seconds with connects, and in the best one.
  std::uint64_t held_established = 0, held_at_end = 0, held_failed = 0, held_dropped = 0;
  double connect_rate = 0, connect_rate_peak = 0;
  std::uint64_t push_published = 0, push_received = 0, push_lost = 0, push_duplicated = 0,
                push_out_of_order = 0;
  latency_stats push_latency;
  /// By reach_shares: over messages, the time until that share of its subscribers had it.
  std::array<latency_stats, reach_shares.size()> push_reach;
  std::uint64_t checks_passed = 0, checks_failed = 0;

  std::vector<scenario_summary> scenarios;
  std::vector<step_summary> steps;
  std::vector<check_summary> checks;
  std::vector<threshold_result> thresholds;

  /// Distributed runs: set when an agent was lost during the run; `events` says which and
  /// when, and what became of its share.
  bool degraded = false;
  std::vector<std::string> events;
  /// By output name (--out): empty without outputs.
  std::map<std::string, output_stats> outputs;
  /// By monitor name: the system under test over the run. Empty without monitors.
  std::map<std::string, sut_figures> sut;

  static summary build(const metric_set& totals, const metric_layout& layout, double duration_s);

  /// Value of a threshold metric such as "http.latency.p95" (ms), "http.error_rate" (ratio),
  /// "checks.rate", "http.requests", "http.rps", "iterations.dropped", "sut.NAME.cpu.max". nullopt
  /// when the metric is unknown or has no data (a latency percentile of zero requests).
  std::optional<double> metric(std::string_view name) const;

  bool thresholds_ok() const;
};

void to_json(nlohmann::json& j, const summary& s);
void from_json(const nlohmann::json& j, summary& s);

}  // namespace stampede::metrics

// SPDX-License-Identifier: Apache-2.0
// Everything recorded over a span of time: by one worker in one second, merged across workers,
// or accumulated over a whole run. Merging is exact (counts add, histograms merge bucket-wise).
//
// Thread-safety: none. Each worker thread owns the set it records into and hands it over whole
// at each interval boundary; the controller merges what it receives on its own thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/error_class.hpp"
#include "metrics/error_reasons.hpp"
#include "metrics/histogram.hpp"
#include "metrics/reach_table.hpp"

namespace stampede::metrics {

/// The names a run's metric sets are laid out by, fixed before the run starts: per-scenario
/// iteration counters, per-step latency histograms and per-check counters are indexed by
/// position in these lists.
struct metric_layout {
  std::vector<std::string> scenarios;
  std::vector<std::string> steps;   ///< distinct request step names
  std::vector<std::string> checks;  ///< check descriptions, e.g. "slow: status == 200"
};

/// HTTP status codes are counted in a flat array; anything outside [0, 600) lands in slot 0.
inline constexpr std::size_t status_code_slots = 600;

/// Status classes, as steps count them: 1xx, 2xx, 3xx, 4xx, 5xx, and "other" for no response
/// (status 0) or a status outside [100, 600).
inline constexpr std::size_t status_class_count = 6;
inline constexpr std::array<std::string_view, status_class_count> status_class_names = {
    "1xx", "2xx", "3xx", "4xx", "5xx", "other"};

constexpr std::size_t status_class_of(int status) {
  return status >= 100 && status < 600 ? static_cast<std::size_t>(status / 100 - 1)
                                       : status_class_count - 1;
}

// The fields of a metric_set, each listed once: the struct's members, its constructor, merge()
// and the codec (metric_set_codec.cpp, where each field travels under its name) are derived
// from these lists, so a new metric is one line here. Each entry carries its doc comment.
//
// Counters and gauges: X(name, merge rule, doc); the rules are metric_set::rule.
#define STAMPEDE_METRIC_COUNTERS(X)                                                            \
  X(requests, sum, "requests finished, with a response or a failure")                          \
  X(requests_failed, sum, "subset of requests: no response, or status >= 400")                 \
  X(bytes_in, sum, "response bytes read, headers included")                                    \
  X(bytes_out, sum, "request bytes written")                                                   \
  X(connections_opened, sum, "connections opened")                                             \
  X(iterations_started, sum, "scenario iterations started")                                    \
  X(iterations_completed, sum, "subset of started that ran every step")                        \
  X(iterations_dropped, sum, "open model: could not start (max_users reached)")                \
  X(iterations_interrupted, sum, "ended by their phase's end before they completed")           \
  X(checks_passed, sum, "checks that passed")                                                  \
  X(checks_failed, sum, "checks that failed")                                                  \
  X(late_starts, sum, "scheduled sends that left more than 1 ms late")                         \
  X(http2_streams, sum, "subset of requests: exchanges on HTTP/2 streams")                     \
  X(streams_reset, sum, "HTTP/2 streams the server reset (RST_STREAM)")                        \
  X(goaways, sum, "HTTP/2 GOAWAY frames received")                                             \
  X(ws_opened, sum, "WebSockets opened (handshake answered 101)")                              \
  X(ws_messages_in, sum, "WebSocket messages received")                                        \
  X(ws_messages_out, sum, "WebSocket messages sent")                                           \
  X(ws_bytes_in, sum, "payload bytes of the WebSocket messages received")                      \
  X(ws_bytes_out, sum, "payload bytes of the WebSocket messages sent")                         \
  X(sse_streams, sum, "event streams subscribed (answered 200)")                               \
  X(sse_events, sum, "events received on them")                                                \
  X(longpoll_polls, sum, "long polls answered (or failed)")                                    \
  X(longpoll_messages, sum, "long polls answered 200: a message")                              \
  X(longpoll_empty, sum, "long polls answered otherwise (204: none before the wait ended)")    \
  X(push_published, sum, "stamped messages the server accepted (status < 400)")                \
  X(push_received, sum, "stamped messages subscribers received, duplicates included")          \
  X(push_duplicated, sum, "subset of push_received: a copy of one already received")           \
  X(push_out_of_order, sum, "subset of push_received: filled an earlier gap")                  \
  X(push_lost, sum, "gaps never filled by the end of a subscription")                          \
  X(held_established, sum, "connections phases: connects that succeeded")                      \
  X(held_failed, sum, "connections phases: connects that failed (by cause in errors)")         \
  X(held_dropped, sum, "connections phases: established, then ended before the hold did")      \
  X(held_at_end, sum, "connections phases: still open when the hold ended")                    \
  X(held_connect_seconds, sum, "run totals: seconds in which connects were established")       \
  X(held_peak_connects, peak, "run totals: the most connects established in one second")       \
  X(held_first_second_connects, run_total,                                                     \
    "run totals: connects established in the first second with any (partly spent connecting)") \
  X(held_last_second_connects, run_total,                                                      \
    "run totals: connects established in the last second with any (partly spent connecting)")  \
  X(active_users, gauge, "users active at the end of the span")                                \
  X(active_connections, gauge, "connections open at the end of the span")

// Histograms, all in microseconds: X(name, doc).
#define STAMPEDE_METRIC_HISTOGRAMS(X)                                            \
  X(latency, "request sent (or intended send, for constant throughput) to done") \
  X(connect, "TCP connect")                                                      \
  X(tls, "TLS handshake")                                                        \
  X(ttfb, "request sent to first response byte")                                 \
  X(schedule_lag, "how late scheduled sends left (constant throughput, pace)")   \
  X(ws_handshake, "WebSocket upgrade: request to 101")                           \
  X(ws_rtt, "WebSocket: last send to the message an expect matched")             \
  X(sse_gap, "time between consecutive events of a stream")                      \
  X(longpoll_gap, "a long poll's answer to the next poll sent")                  \
  X(push_latency, "a stamped message's publish to its delivery (not duplicates)")

// Counters by position in a metric_layout list, `stride` of them per entry (entry i's are
// [i * stride, (i + 1) * stride)); they add when sets merge: X(name, layout list, stride, doc).
#define STAMPEDE_METRIC_VECTORS(X)                                                       \
  X(scenario_started, scenarios, 1, "iterations started, by scenario")                   \
  X(scenario_completed, scenarios, 1, "iterations that ran every step, by scenario")     \
  X(scenario_requests, scenarios, 1, "requests (as `requests`) of each scenario's flow") \
  X(scenario_failed, scenarios, 1, "subset of scenario_requests: as `requests_failed`")  \
  X(check_passed, checks, 1, "checks passed, by check")                                  \
  X(check_failed, checks, 1, "checks failed, by check")                                  \
  X(step_requests, steps, 1, "requests finished, with a response or a failure, by step") \
  X(step_failed, steps, 1, "subset of step_requests: no response, or status >= 400")     \
  X(step_status_classes, steps, status_class_count,                                      \
    "requests by step and status class: [step * status_class_count + status_class_of(status)]")

// Histograms (microseconds) by position in a metric_layout list: X(name, the codec's name,
// layout list, doc). Entry i travels as "<codec name>.<i>".
#define STAMPEDE_METRIC_HISTOGRAM_VECTORS(X)                                     \
  X(steps, "step", steps, "latency (as `latency`) of the requests of each step") \
  X(scenario_latency, "scenario_latency", scenarios,                             \
    "latency (as `latency`) of every request of each scenario's flow")

struct metric_set {
  /// How a counter merges.
  enum class rule {
    sum,        ///< counts add
    gauge,      ///< sampled at the span's end: merging sets of the same interval adds them
                ///< (workers' users add up); accumulating a run keeps the peak
    peak,       ///< the larger wins, however sets merge
    run_total,  ///< set on a run's totals as its intervals complete (engine::interval_merger);
                ///< merge leaves it as it is
  };
  /// What gauges do in a merge: add (sets of one interval) or keep the peak (a run's totals).
  enum class gauges { add, keep_peak };

  explicit metric_set(const metric_layout& layout);
  metric_set() = default;

#define STAMPEDE_METRIC_DECLARE_COUNTER(name, rule_, doc) std::uint64_t name = 0;
#define STAMPEDE_METRIC_DECLARE_HISTOGRAM(name, doc) histogram name;
#define STAMPEDE_METRIC_DECLARE_VECTOR(name, list, stride, doc) std::vector<std::uint64_t> name;
#define STAMPEDE_METRIC_DECLARE_HISTOGRAM_VECTOR(name, key, list, doc) std::vector<histogram> name;
  STAMPEDE_METRIC_COUNTERS(STAMPEDE_METRIC_DECLARE_COUNTER)
  STAMPEDE_METRIC_HISTOGRAMS(STAMPEDE_METRIC_DECLARE_HISTOGRAM)
  STAMPEDE_METRIC_VECTORS(STAMPEDE_METRIC_DECLARE_VECTOR)
  STAMPEDE_METRIC_HISTOGRAM_VECTORS(STAMPEDE_METRIC_DECLARE_HISTOGRAM_VECTOR)
#undef STAMPEDE_METRIC_DECLARE_COUNTER
#undef STAMPEDE_METRIC_DECLARE_HISTOGRAM
#undef STAMPEDE_METRIC_DECLARE_VECTOR
#undef STAMPEDE_METRIC_DECLARE_HISTOGRAM_VECTOR

  // Fields with merge and encoding of their own.
  std::array<std::uint64_t, status_code_slots> status_codes{};
  std::array<std::uint64_t, error_class_count> errors{};
  std::array<std::string, error_class_count> error_samples;  ///< first message of each class
  error_reasons reasons;  ///< the errors above by distinct reason
  /// Deliveries of messages not yet settled, and the reach times of those settled (see
  /// reach_table.hpp): settled as a run's totals accumulate.
  reach_table push_pending;
  reach_histograms push_reach;

  /// Counts a failure whose reason is its message (a session's, which names no value that
  /// varies by request), kept as the class's sample when it has none yet.
  void record_error(error_class e, std::string_view message) {
    const auto i = static_cast<std::size_t>(e);
    ++errors[i];
    if (error_samples[i].empty()) {
      error_samples[i].assign(message);
    }
    reasons.count_text(e, message);
  }
  /// Counts a failure grouped by `key`. Nothing is formatted per failure: `reason()` runs once
  /// per new reason, `sample()` only when it becomes the class's sample.
  template <class Reason, class Sample>
  void record_error(error_class e, reason_key key, Reason&& reason, Sample&& sample) {
    const auto i = static_cast<std::size_t>(e);
    ++errors[i];
    if (error_samples[i].empty()) {
      error_samples[i] = sample();
    }
    reasons.count(e, key, reason);
  }
  void record_status(int code) {
    ++status_codes[code >= 0 && code < static_cast<int>(status_code_slots) ? code : 0];
  }
  /// Counts a finished request of step `step` (< metric_layout::steps.size()): failed as
  /// requests_failed counts it, `status` its response's (0: no response, counted as "other").
  void record_step(std::size_t step, bool failed, int status) {
    ++step_requests[step];
    step_failed[step] += failed ? 1 : 0;
    ++step_status_classes[step * status_class_count + status_class_of(status)];
  }

  /// Adds `other` into this set, each counter by its rule. Both must come from the same
  /// layout.
  void merge(const metric_set& other, gauges how);

  std::uint64_t error_total() const;
};

/// The lists above as tables, for code that walks the fields (the codec, outputs).
struct counter_field {
  std::string_view name;
  metric_set::rule rule;
  std::uint64_t metric_set::*member;
  std::string_view doc;
};
struct histogram_field {
  std::string_view name;
  histogram metric_set::*member;
  std::string_view doc;
};
struct vector_field {
  std::string_view name;
  std::vector<std::string> metric_layout::*list;
  std::size_t stride;
  std::vector<std::uint64_t> metric_set::*member;
  std::string_view doc;
};
struct histogram_vector_field {
  std::string_view name;
  std::string_view key;  ///< the codec's name: entry i travels as "<key>.<i>"
  std::vector<std::string> metric_layout::*list;
  std::vector<histogram> metric_set::*member;
  std::string_view doc;
};

#define STAMPEDE_METRIC_COUNTER_FIELD(name, rule_, doc) \
  counter_field{#name, metric_set::rule::rule_, &metric_set::name, doc},
#define STAMPEDE_METRIC_HISTOGRAM_FIELD(name, doc) histogram_field{#name, &metric_set::name, doc},
#define STAMPEDE_METRIC_VECTOR_FIELD(name, list_, stride_, doc) \
  vector_field{#name, &metric_layout::list_, stride_, &metric_set::name, doc},
#define STAMPEDE_METRIC_HISTOGRAM_VECTOR_FIELD(name, key, list_, doc) \
  histogram_vector_field{#name, key, &metric_layout::list_, &metric_set::name, doc},
inline constexpr counter_field counter_fields[] = {
    STAMPEDE_METRIC_COUNTERS(STAMPEDE_METRIC_COUNTER_FIELD)};
inline constexpr histogram_field histogram_fields[] = {
    STAMPEDE_METRIC_HISTOGRAMS(STAMPEDE_METRIC_HISTOGRAM_FIELD)};
inline constexpr vector_field vector_fields[] = {
    STAMPEDE_METRIC_VECTORS(STAMPEDE_METRIC_VECTOR_FIELD)};
inline constexpr histogram_vector_field histogram_vector_fields[] = {
    STAMPEDE_METRIC_HISTOGRAM_VECTORS(STAMPEDE_METRIC_HISTOGRAM_VECTOR_FIELD)};
#undef STAMPEDE_METRIC_COUNTER_FIELD
#undef STAMPEDE_METRIC_HISTOGRAM_FIELD
#undef STAMPEDE_METRIC_VECTOR_FIELD
#undef STAMPEDE_METRIC_HISTOGRAM_VECTOR_FIELD

}  // namespace stampede::metrics

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

struct metric_set {
  explicit metric_set(const metric_layout& layout);
  metric_set() = default;

  // Counters: events within the span.
  std::uint64_t requests = 0;         ///< requests finished, with a response or a failure
  std::uint64_t requests_failed = 0;  ///< subset of requests: no response, or status >= 400
  std::uint64_t bytes_in = 0;         ///< response bytes read, headers included
  std::uint64_t bytes_out = 0;        ///< request bytes written
  std::uint64_t connections_opened = 0;
  std::uint64_t iterations_started = 0;
  std::uint64_t iterations_completed = 0;  ///< subset of started that ran every step
  std::uint64_t iterations_dropped = 0;    ///< open model: could not start (max_users reached)
  std::uint64_t checks_passed = 0;
  std::uint64_t checks_failed = 0;
  std::uint64_t late_starts = 0;      ///< scheduled sends that left more than 1 ms late
  std::uint64_t http2_streams = 0;    ///< subset of requests: exchanges on HTTP/2 streams
  std::uint64_t streams_reset = 0;    ///< HTTP/2 streams the server reset (RST_STREAM)
  std::uint64_t goaways = 0;          ///< HTTP/2 GOAWAY frames received
  std::uint64_t ws_opened = 0;        ///< WebSockets opened (handshake answered 101)
  std::uint64_t ws_messages_in = 0;   ///< WebSocket messages received
  std::uint64_t ws_messages_out = 0;  ///< WebSocket messages sent
  std::uint64_t ws_bytes_in = 0;      ///< their payload bytes
  std::uint64_t ws_bytes_out = 0;
  std::uint64_t sse_streams = 0;        ///< event streams subscribed (answered 200)
  std::uint64_t sse_events = 0;         ///< events received on them
  std::uint64_t longpoll_polls = 0;     ///< long polls answered (or failed)
  std::uint64_t longpoll_messages = 0;  ///< answered 200: a message
  std::uint64_t longpoll_empty = 0;     ///< answered otherwise (204: none before the wait ended)
  // Push: messages stamped by publish steps, as subscribers (ws, sse, longpoll) received them.
  std::uint64_t push_published = 0;     ///< stamped messages the server accepted (status < 400)
  std::uint64_t push_received = 0;      ///< stamped messages received, duplicates included
  std::uint64_t push_duplicated = 0;    ///< subset of received: a copy of one already received
  std::uint64_t push_out_of_order = 0;  ///< subset of received: filled an earlier gap
  std::uint64_t push_lost = 0;          ///< gaps never filled by the end of a subscription
  // Connections phases: connections opened and held (their connects are in connect, their
  // keep-alive pings in requests).
  std::uint64_t held_established = 0;  ///< connects that succeeded
  std::uint64_t held_failed = 0;       ///< connects that failed (by cause in errors)
  std::uint64_t held_dropped = 0;      ///< established, then ended before the hold did
  std::uint64_t held_at_end = 0;       ///< still open when the hold ended
  /// Run totals only (counted as intervals complete): seconds in which connects were
  /// established, the most established in one second, and those established in the first and
  /// the last of those seconds (partly spent connecting); for the achieved connect rate.
  std::uint64_t held_connect_seconds = 0;
  std::uint64_t held_peak_connects = 0;
  std::uint64_t held_first_second_connects = 0;
  std::uint64_t held_last_second_connects = 0;
  std::array<std::uint64_t, status_code_slots> status_codes{};
  std::array<std::uint64_t, error_class_count> errors{};
  std::array<std::string, error_class_count> error_samples;  ///< first message of each class
  error_reasons reasons;  ///< the errors above by distinct reason

  std::vector<std::uint64_t> scenario_started;    ///< by metric_layout::scenarios
  std::vector<std::uint64_t> scenario_completed;  ///< by metric_layout::scenarios
  std::vector<std::uint64_t> check_passed;        ///< by metric_layout::checks
  std::vector<std::uint64_t> check_failed;        ///< by metric_layout::checks

  // Gauges: sampled at the end of the span. Merging sets of the same interval adds them
  // (workers' users add up); accumulating a run keeps the peak.
  std::uint64_t active_users = 0;
  std::uint64_t active_connections = 0;

  // Histograms, all in microseconds.
  histogram latency;       ///< request sent (or intended send, for constant throughput) to done
  histogram connect;       ///< TCP connect
  histogram tls;           ///< TLS handshake
  histogram ttfb;          ///< request sent to first response byte
  histogram schedule_lag;  ///< how late scheduled sends left (constant throughput, pace)
  histogram ws_handshake;  ///< WebSocket upgrade: request to 101
  histogram ws_rtt;        ///< WebSocket: last send to the message an expect matched
  histogram sse_gap;       ///< time between consecutive events of a stream
  histogram longpoll_gap;  ///< a long poll's answer to the next poll sent
  histogram push_latency;  ///< a stamped message's publish to its delivery (not duplicates)
  std::vector<histogram> steps;  ///< latency by metric_layout::steps
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

  enum class gauges { add, keep_peak };
  /// Adds `other` into this set. Both must come from the same layout.
  void merge(const metric_set& other, gauges how);

  std::uint64_t error_total() const;
};

}  // namespace stampede::metrics

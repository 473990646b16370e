// SPDX-License-Identifier: Apache-2.0
#include "metrics/metric_set.hpp"

#include <algorithm>
#include <stdexcept>

namespace stampede::metrics {
namespace {

void add_vectors(std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from) {
  if (into.size() < from.size()) {
    into.resize(from.size());
  }
  for (std::size_t i = 0; i < from.size(); ++i) {
    into[i] += from[i];
  }
}

}  // namespace

metric_set::metric_set(const metric_layout& layout)
    : scenario_started(layout.scenarios.size()),
      scenario_completed(layout.scenarios.size()),
      check_passed(layout.checks.size()),
      check_failed(layout.checks.size()),
      steps(layout.steps.size()) {}

void metric_set::merge(const metric_set& other, gauges how) {
  requests += other.requests;
  requests_failed += other.requests_failed;
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  connections_opened += other.connections_opened;
  iterations_started += other.iterations_started;
  iterations_completed += other.iterations_completed;
  iterations_dropped += other.iterations_dropped;
  checks_passed += other.checks_passed;
  checks_failed += other.checks_failed;
  late_starts += other.late_starts;
  http2_streams += other.http2_streams;
  streams_reset += other.streams_reset;
  goaways += other.goaways;
  ws_opened += other.ws_opened;
  ws_messages_in += other.ws_messages_in;
  ws_messages_out += other.ws_messages_out;
  ws_bytes_in += other.ws_bytes_in;
  ws_bytes_out += other.ws_bytes_out;
  sse_streams += other.sse_streams;
  sse_events += other.sse_events;
  longpoll_polls += other.longpoll_polls;
  longpoll_messages += other.longpoll_messages;
  longpoll_empty += other.longpoll_empty;
  push_published += other.push_published;
  push_received += other.push_received;
  push_duplicated += other.push_duplicated;
  push_out_of_order += other.push_out_of_order;
  push_lost += other.push_lost;
  held_established += other.held_established;
  held_failed += other.held_failed;
  held_dropped += other.held_dropped;
  held_at_end += other.held_at_end;
  held_connect_seconds += other.held_connect_seconds;
  held_peak_connects = std::max(held_peak_connects, other.held_peak_connects);
  for (std::size_t i = 0; i < status_codes.size(); ++i) {
    status_codes[i] += other.status_codes[i];
  }
  for (std::size_t i = 0; i < errors.size(); ++i) {
    errors[i] += other.errors[i];
    if (error_samples[i].empty() && !other.error_samples[i].empty()) {
      error_samples[i] = other.error_samples[i];
    }
  }
  reasons.merge(other.reasons);
  add_vectors(scenario_started, other.scenario_started);
  add_vectors(scenario_completed, other.scenario_completed);
  add_vectors(check_passed, other.check_passed);
  add_vectors(check_failed, other.check_failed);
  if (how == gauges::add) {
    active_users += other.active_users;
    active_connections += other.active_connections;
  } else {
    active_users = std::max(active_users, other.active_users);
    active_connections = std::max(active_connections, other.active_connections);
  }
  latency.merge(other.latency);
  connect.merge(other.connect);
  tls.merge(other.tls);
  ttfb.merge(other.ttfb);
  schedule_lag.merge(other.schedule_lag);
  ws_handshake.merge(other.ws_handshake);
  ws_rtt.merge(other.ws_rtt);
  sse_gap.merge(other.sse_gap);
  longpoll_gap.merge(other.longpoll_gap);
  push_latency.merge(other.push_latency);
  push_pending.merge(other.push_pending);
  for (std::size_t i = 0; i < push_reach.size(); ++i) {
    push_reach[i].merge(other.push_reach[i]);
  }
  if (steps.size() < other.steps.size()) {
    steps.resize(other.steps.size());
  }
  for (std::size_t i = 0; i < other.steps.size(); ++i) {
    steps[i].merge(other.steps[i]);
  }
}

std::uint64_t metric_set::error_total() const {
  std::uint64_t total = 0;
  for (auto n : errors) {
    total += n;
  }
  return total;
}

}  // namespace stampede::metrics

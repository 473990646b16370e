// SPDX-License-Identifier: Apache-2.0
// What the worker's files share and nobody else sees: the state of a phase as one worker runs
// it, and the limits of its schedules. Included by worker*.cpp only.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "engine/flow_interpreter.hpp"
#include "engine/held_connection_metrics.hpp"
#include "engine/schedule.hpp"
#include "engine/worker.hpp"
#include "hold/connection_holder.hpp"

namespace stampede::engine {
namespace worker_limits {

using namespace std::chrono_literals;

inline constexpr auto unlimited = std::numeric_limits<std::uint64_t>::max();
/// Connections phases without a connect_rate: connects in progress per worker at most.
inline constexpr std::size_t max_connects_in_flight = 1024;
/// Connects started back to back before other work of the worker gets a turn.
inline constexpr std::uint64_t connects_per_turn = 256;
/// A paced worker opens together the connects due within this much of the one it woke for:
/// at tens of thousands of connects per second, a wake-up (and timer change) for each would
/// cost about as much as the connect.
inline constexpr auto connect_batch_window = 5ms;

}  // namespace worker_limits

/// What the flow interpreter sees of it (index, start, end, paced) is its flow_phase base.
struct worker::phase_state : flow_phase {
  const phase_plan* plan = nullptr;
  bool limited = false;  ///< quick mode -n: iterations_left bounds the phase
  /// A takeover's remaining iterations are in iterations_left, whatever the phase's kind.
  bool taken_over = false;
  std::uint64_t iterations_left = 0;
  /// Closed phases: iterations begun in the phase, for the reports (a takeover's count).
  std::uint64_t started = 0;
  std::uint64_t users = 0;  ///< connections of this worker (throughput)
  std::uint64_t cap =
      worker_limits::unlimited;  ///< open model: concurrent iterations of this worker
  std::uint64_t active_iterations = 0;
  std::unique_ptr<rate_schedule> schedule;
  std::unique_ptr<slice_dispatcher> dispatcher;
  std::vector<std::unique_ptr<virtual_user>> idle;  ///< open model: users between iterations
  std::unique_ptr<boost::asio::steady_timer> timer;
  /// Armed at the phase's end: its graceful stop.
  std::unique_ptr<boost::asio::steady_timer> grace;
  /// Connections phases: this worker's held connections, and what records them.
  std::unique_ptr<held_connection_metrics> held_metrics;
  std::unique_ptr<hold::connection_holder> holder;
};

}  // namespace stampede::engine

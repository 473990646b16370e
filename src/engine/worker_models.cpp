// SPDX-License-Identifier: Apache-2.0
// The workload models: how a phase's users, arrivals, paced connections and held connections start
// on this worker and when they end.
#include "engine/worker.hpp"
#include "engine/worker_phase.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/coarse_clock.hpp"
#include "hold/connection_holder.hpp"
#include "net/loopback_sources.hpp"

namespace stampede::engine {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace worker_limits;

}  // namespace

void worker::start_connections(phase_state& ph, const scenario::connections_model& model) {
  const auto share = slice{index_, count_}.share_of(model.connections);
  if (share == 0) {
    return;
  }
  hold::hold_settings settings;
  settings.endpoints = plan_->connect.endpoints;
  settings.bind_addresses = plan_->connect.bind_addresses;
  if (settings.bind_addresses.empty() && !settings.endpoints.empty() &&
      settings.endpoints.front().address().is_v4() &&
      settings.endpoints.front().address().is_loopback()) {
    settings.bind_addresses = net::loopback_sources(index_, count_, model.connections);
  }
  settings.connect_timeout = plan_->campaign.defaults_.connect_timeout;
  settings.ping_every = model.ping;
  settings.ping_timeout = plan_->campaign.defaults_.request_timeout;
  settings.codec = make_hold_codec(*plan_, model);
  ph.held_metrics = std::make_unique<held_connection_metrics>(current_, open_connections_,
                                                              !model.websocket.empty());
  ph.holder =
      std::make_unique<hold::connection_holder>(ctx_, std::move(settings), *ph.held_metrics, share);
  spawn(open_connections(ph, model, share));
}

asio::awaitable<void> worker::open_connections(phase_state& ph,
                                               const scenario::connections_model& model,
                                               std::uint64_t share) {
  // This worker's connection j is the run's connection k = index + j * count, due at k / rate.
  for (std::uint64_t j = 0; j < share && active(ph); ++j) {
    if (model.connect_rate) {
      const auto k = static_cast<double>(index_ + j * count_);
      const auto due = ph.start + std::chrono::duration_cast<clock::duration>(
                                      std::chrono::duration<double>(k / *model.connect_rate));
      if (due > clock::now() + connect_batch_window) {
        ph.timer->expires_at(due);
        co_await ph.timer->async_wait(asio::as_tuple(asio::use_awaitable));
        if (!active(ph)) {
          break;
        }
      }
    } else {
      while (ph.holder->connecting() >= max_connects_in_flight && active(ph)) {
        ph.timer->expires_after(1ms);
        co_await ph.timer->async_wait(asio::as_tuple(asio::use_awaitable));
      }
    }
    ph.holder->open();
    sample_gauges();
    if (j % connects_per_turn == connects_per_turn - 1) {
      // Behind schedule, connects would otherwise start back to back without their answers
      // ever being read.
      co_await asio::post(ctx_, asio::use_awaitable);
    }
  }
}

void worker::end_connections(phase_state& ph) {
  if (ph.holder) {
    ph.held_metrics->on_hold_end(ph.holder->close_all());
  }
}

asio::awaitable<void> worker::steps_user(phase_state& ph, std::uint64_t k) {
  auto vu = make_closed_user(k);
  vu->phase = ph.index;
  // User k takes part from the first step that has more than k users, to the end of the last
  // consecutive step that still does.
  const auto& steps = std::get<scenario::steps_model>(ph.plan->model);
  std::size_t first = steps.users.size();
  for (std::size_t s = 0; s < steps.users.size(); ++s) {
    if (steps.users[s] > k) {
      first = s;
      break;
    }
  }
  std::size_t last = first;
  while (last + 1 < steps.users.size() && steps.users[last + 1] > k) {
    ++last;
  }
  const auto user_start = ph.start + steps.step_duration * static_cast<std::int64_t>(first);
  const auto user_end = ph.start + steps.step_duration * static_cast<std::int64_t>(last + 1);
  const bool entered = co_await sleep_until(*vu, std::max(user_start, resume_at_), ph);
  if (entered) {
    ++active_users_;
    while (active(ph) && core::before(user_end)) {
      const auto& sc = begin_iteration(*vu);
      const bool complete = co_await run_flow(*vu, sc, ph);
      end_iteration(*vu, sc, complete, ph);
    }
    --active_users_;
  }
  vu.reset();
}

asio::awaitable<void> worker::throughput_connection(phase_state& ph, std::uint64_t k) {
  auto vu = make_user(k);
  vu->phase = ph.index;
  ++active_users_;
  while (active(ph)) {
    // Awaited alone: GCC 12 miscompiles a co_await inside a && or || chain.
    const auto& sc = begin_iteration(*vu);
    const bool completed = co_await run_flow(*vu, sc, ph);
    end_iteration(*vu, sc, completed, ph);
    if (!completed && !active(ph)) {
      break;
    }
    if (ph.dispatcher && !ph.dispatcher->next_due()) {
      break;  // schedule exhausted
    }
  }
  --active_users_;
  vu.reset();
}

asio::awaitable<void> worker::arrival_dispatcher(phase_state& ph) {
  while (active(ph)) {
    const auto next = ph.dispatcher->next_due();
    if (!next) {
      break;
    }
    const auto due_at = ph.start + *next;
    if (due_at > clock::now()) {
      ph.timer->expires_at(due_at);
      co_await ph.timer->async_wait(asio::as_tuple(asio::use_awaitable));
      if (!active(ph)) {
        break;
      }
    }
    const auto now = clock::now();
    for (const auto due : ph.dispatcher->take_due(now - ph.start)) {
      flow_.record_lag(now - (ph.start + due));
      if (ph.active_iterations >= ph.cap) {
        ++metrics().iterations_dropped;
        continue;
      }
      std::unique_ptr<virtual_user> vu;
      if (!ph.idle.empty()) {
        vu = std::move(ph.idle.back());
        ph.idle.pop_back();
        assign_data_row(*vu);
      } else {
        vu = make_user(index_ + count_ * next_user_id_++);
      }
      spawn(open_iteration(ph, std::move(vu)));
    }
  }
}

asio::awaitable<void> worker::open_iteration(phase_state& ph, std::unique_ptr<virtual_user> vu) {
  vu->phase = ph.index;
  ++ph.active_iterations;
  ++active_users_;
  const auto& sc = begin_iteration(*vu);
  const bool complete = co_await run_flow(*vu, sc, ph);
  end_iteration(*vu, sc, complete, ph);
  --active_users_;
  --ph.active_iterations;
  if (active(ph)) {
    ph.idle.push_back(std::move(vu));  // keeps its connection for the next arrival
  }
  vu.reset();
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// Closed phases: the population of users that consecutive closed phases share. A user keeps its
// connection, cookies, variables and setup from phase to phase, and its coroutine runs on
// across the phases it stays in, so a change of phase neither drops iterations nor reopens
// connections.
#include "engine/worker.hpp"
#include "engine/worker_phase.hpp"

#include <algorithm>
#include <limits>
#include <memory>

#include "core/coarse_clock.hpp"
#include "engine/population_schedule.hpp"

namespace stampede::engine {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace worker_limits;

std::uint64_t closed_users(const phase_plan& pp) {
  return std::get<scenario::closed_model>(pp.model).users;
}

}  // namespace

std::size_t worker::population_first(std::size_t index) const {
  while (index > 0 && plan_->phases[index].continues_users) {
    --index;
  }
  return index;
}

std::size_t worker::population_last(std::size_t index) const {
  while (index + 1 < plan_->phases.size() && plan_->phases[index + 1].continues_users) {
    ++index;
  }
  return index;
}

void worker::start_population(std::size_t index) {
  const auto first = population_first(index);
  if (population_running_ == first) {
    return;  // its users run since an earlier phase
  }
  population_running_ = first;
  const auto last = population_last(index);
  std::uint64_t most = 0;
  for (std::size_t i = first; i <= last; ++i) {
    most = std::max({most, plan_->phases[i].users_before, closed_users(plan_->phases[i])});
  }
  for (std::uint64_t k = index_; k < most; k += count_) {
    spawn(population_user(first, last, k));
  }
}

void worker::end_population() {
  population_running_.reset();
  population_.clear();
}

asio::awaitable<void> worker::population_user(std::size_t first, std::size_t last,
                                              std::uint64_t k) {
  std::vector<population_stage> stages;
  for (std::size_t i = first; i <= last; ++i) {
    const auto& pp = plan_->phases[i];
    const auto& closed = std::get<scenario::closed_model>(pp.model);
    stages.push_back({pp.start, pp.length, pp.users_before, closed.users,
                      closed.ramp.value_or(clock::duration::zero())});
  }
  const auto segments = user_segments(stages, k);
  const auto slot = (k - index_) / count_;
  if (segments.empty()) {
    if (slot < population_.size()) {
      population_[slot].reset();  // no part in these phases: its connection closes now
    }
    co_return;
  }
  // The user of the phases before, when there was one: it keeps what it had.
  if (population_.size() <= slot) {
    population_.resize(slot + 1);
  }
  auto vu = std::move(population_[slot]);
  if (!vu) {
    vu = make_closed_user(k);
  }
  vu->phase = last;  // the graceful stop at the population's end interrupts it
  vu->interrupted = false;

  // The population's phases end by time but for its last, so none of them shifts.
  const auto base = run_start_ + shift_;
  const auto population_end = base + plan_->phases[last].start + plan_->phases[last].length;
  // What the flow sees: the user's stretch without a pause, and its graceful stop.
  flow_phase stretch;
  stretch.index = last;
  asio::steady_timer leave_timer(ctx_);
  std::shared_ptr<virtual_user*> leaving;  ///< the user the armed leave_timer interrupts
  const auto end_leave = [&] {
    if (leaving) {
      *leaving = nullptr;
      leaving.reset();
    }
    leave_timer.cancel();
  };
  bool in_stretch = false;
  bool done = false;
  std::optional<clock::time_point> next_due;  ///< paced: the next iteration's start
  for (std::size_t s = 0; s < segments.size() && !done && !stopping_; ++s) {
    const auto& seg = segments[s];
    auto& ph = *phases_[first + seg.stage];
    const auto& closed = std::get<scenario::closed_model>(ph.plan->model);
    const auto seg_start = base + seg.enter;
    const auto seg_end = base + seg.leave;
    if (seg_end <= resume_at_) {
      continue;  // over before this worker took over
    }
    if (!in_stretch) {
      const auto& last_seg = segments[stretch_end(segments, s)];
      const auto stretch_stop = base + last_seg.leave;
      // A user leaving before the population's end may finish its iteration within the
      // phase's graceful stop; at the end, the phase's own graceful stop does the same.
      stretch.start = seg_start;
      stretch.end =
          stretch_stop >= population_end
              ? population_end
              : std::min(population_end,
                         stretch_stop + plan_->phases[first + last_seg.stage].graceful_stop);
      const bool entered = co_await sleep_until(*vu, std::max(seg_start, resume_at_), stretch);
      if (!entered) {
        break;
      }
      ++active_users_;
      in_stretch = true;
      next_due.reset();
      vu->interrupted = false;
      if (stretch.end < population_end) {
        // Leaving early: what still runs when the graceful stop is over is interrupted, as at
        // a phase's end. A handler already queued when the stretch ends finds its token
        // cleared: cancel() cannot take it back.
        leaving = std::make_shared<virtual_user*>(vu.get());
        leave_timer.expires_at(stretch.end);
        leave_timer.async_wait([this, token = leaving](const boost::system::error_code& ec) {
          if (!ec && *token != nullptr) {
            interrupt(**token);
          }
        });
      }
    }
    // Paced: iteration i of the segment starts at origin + i * pace; a takeover starts at the
    // first due after it, not with a burst of the iterations before.
    const auto pace = closed.pace.value_or(clock::duration::zero());
    auto origin = next_due && seg.continues ? *next_due : seg_start;
    std::uint64_t i = 0;
    if (pace.count() > 0 && resume_at_ > origin) {
      i = static_cast<std::uint64_t>((resume_at_ - origin + pace - 1ns) / pace);
    }
    const auto per_user = ph.taken_over ? unlimited : closed.iterations.value_or(unlimited);
    for (std::uint64_t ran = 0; core::before(seg_end) && active(stretch); ++i, ++ran) {
      if (ran >= per_user) {
        done = true;  // this user's iterations are done
        break;
      }
      if (pace.count() > 0) {
        const auto due = origin + pace * static_cast<std::int64_t>(i);
        if (due >= seg_end) {
          next_due = due;  // the next phase's, when the user goes on into it
          break;
        }
        next_due = due + pace;
        const auto now = clock::now();
        if (due > now) {
          const bool on_time = co_await sleep_until(*vu, due, stretch);
          if (!on_time) {
            break;
          }
        } else {
          flow_.record_lag(now - due);
        }
      }
      if (ph.limited) {
        if (ph.iterations_left == 0) {
          done = true;
          break;
        }
        --ph.iterations_left;
      }
      ++ph.started;
      const auto& sc = begin_iteration(*vu);
      bool complete = false;
      const auto* lone = sc.flow.size() == 1 ? std::get_if<compiled_request>(&sc.flow[0]) : nullptr;
      if (lone != nullptr && !needs_setup(*vu, sc)) {
        // A flow of one request, the shape of many a load test, runs in the user's own frame:
        // no flow frame for every iteration.
        const auto out = flow_interpreter::render_request(*vu, *lone, {});
        if (flow_interpreter::refuse_unsendable(*vu, *lone, out)) {
          complete = flow_.record_exchange(*vu, *lone, out, std::nullopt);
        } else {
          co_await vu->session->exchange(out, vu->response, vu->result);
          if (flow_interpreter::take_session_state(*vu, *lone, out.target)) {
            complete = co_await flow_.follow_redirects(*vu, *lone, out, std::nullopt);
          } else {
            complete = flow_.record_exchange(*vu, *lone, out, std::nullopt);
          }
        }
      } else {
        complete = co_await run_flow(*vu, sc, stretch);
      }
      end_iteration(*vu, sc, complete, stretch);
    }
    if (s + 1 == segments.size() || !segments[s + 1].continues) {
      --active_users_;
      in_stretch = false;
      end_leave();
    }
  }
  if (in_stretch) {
    --active_users_;
  }
  end_leave();
  // Kept for the closed phase that follows, when one does (after a phase ending by
  // iterations); else it is closed now, as a user that left.
  const bool followed = last + 1 < plan_->phases.size() && plan_->phases[last + 1].users_before > 0;
  if (followed && population_running_ == first && !stopping_ && slot < population_.size() &&
      !population_[slot]) {
    vu->phase = std::numeric_limits<std::size_t>::max();  // no phase's graceful stop is its
    population_[slot] = std::move(vu);
  }
  vu.reset();
}

}  // namespace stampede::engine

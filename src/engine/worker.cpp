// SPDX-License-Identifier: Apache-2.0
#include "engine/worker.hpp"
#include "engine/worker_phase.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/thread_name.hpp"
#include "engine/push_deliveries.hpp"

namespace stampede::engine {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace worker_limits;

}  // namespace

worker::worker(std::uint32_t index, std::uint32_t count, std::shared_ptr<const run_plan> plan,
               report_sink sink)
    : index_(index),
      count_(count),
      plan_(std::move(plan)),
      sink_(std::move(sink)),
      connector_(plan_->connect),
      make_session_(make_session_factory(*plan_)),
      current_(plan_->layout),
      main_timer_(ctx_),
      idle_timer_(ctx_),
      report_timer_(ctx_),
      rng_(std::random_device{}() ^ (static_cast<std::uint64_t>(index) << 32)),
      flow_(
          {ctx_, connector_, *plan_, current_, active_users_, open_connections_, stopping_, rng_}),
      scenario_credit_(plan_->scenarios.size(), 0) {
  if (const auto& data = plan_->campaign.data) {
    // This worker's partition of the rows; every worker reads all rows when there are fewer
    // rows than workers.
    for (std::size_t r = index_; r < data->rows.size(); r += count_) {
      data_rows_.push_back(r);
    }
    if (data_rows_.empty()) {
      for (std::size_t r = 0; r < data->rows.size(); ++r) {
        data_rows_.push_back(r);
      }
    }
  }
}

worker::~worker() {
  stop(true);
  join();
}

void worker::start(clock::time_point run_start, clock::time_point resume_at) {
  run_start_ = run_start;
  shift_ = takeover_.shift;  // a takeover after phases that ended by iterations
  resume_at_ = std::max(run_start, resume_at);
  interval_index_ =
      std::chrono::duration_cast<std::chrono::seconds>(resume_at_ - run_start_).count();
  asio::co_spawn(ctx_, main_loop(), [this](std::exception_ptr e) {
    if (e) {
      on_fatal(e, true);
    }
  });
  asio::co_spawn(ctx_, reporter(), [this](std::exception_ptr e) {
    if (e) {
      on_fatal(e, false);
    }
  });
  thread_ = std::thread([this] {
    core::name_this_thread("worker " + std::to_string(index_));
    ctx_.run();
  });
}

void worker::on_fatal(std::exception_ptr failure, bool in_main_loop) {
  std::string why;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
    why = "an unknown failure";
  }
  if (fatal_.empty()) {
    fatal_ = fmt::format("worker {}: {}", index_, why);
  }
  begin_stop(true);
  if (finished_) {
    return;
  }
  if (in_main_loop) {
    asio::co_spawn(ctx_, finish_after_failure(), [this](std::exception_ptr e) {
      if (e && !finished_) {  // nothing left to wait for: report and let the thread end
        finished_ = true;
        try {
          send_report(true);
        } catch (...) {  // nothing more can be done for this worker's last second
        }
        report_timer_.cancel();
        ctx_.stop();
      }
    });
  }
  // A failed reporter: the main loop, aborted above, ends and sends the final report.
}

asio::awaitable<void> worker::finish_after_failure() {
  while (running_ > 0) {
    close_all_sessions();
    idle_timer_.expires_after(1s);
    co_await idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  for (auto& ph : phases_) {
    end_connections(*ph);  // held connections end with the worker (close_all runs once)
  }
  end_population();
  cancel_graceful_stops();
  send_report(true);  // before finished_: if it throws, on_fatal still sends a final report
  finished_ = true;
  report_timer_.cancel();
}

void worker::stop(bool abort) {
  asio::post(ctx_, [this, abort] { begin_stop(abort); });
}

void worker::join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void worker::begin_stop(bool abort) {
  if (finished_) {
    return;
  }
  if (!stopping_) {
    stopping_ = true;
    main_timer_.cancel();
    for (auto& vu : live_users_) {
      vu.timer.cancel();
      if (vu.sse) {
        vu.sse->close();  // a subscription ends with the run, as a think time does
      }
    }
    for (auto& ph : phases_) {
      ph->timer->cancel();
      ph->idle.clear();
    }
  }
  if (abort && !aborting_) {
    aborting_ = true;
    close_all_sessions();
    idle_timer_.cancel();
  }
}

void worker::close_all_sessions() {
  for (auto& vu : live_users_) {
    vu.session->close();
    if (vu.ws) {
      vu.ws->abort();
    }
  }
}

void worker::spawn(asio::awaitable<void> user) {
  // Counted when spawned, not when first resumed, so a phase that ends when its users are done
  // never sees zero before they started.
  ++running_;
  asio::co_spawn(ctx_, std::move(user), [this](std::exception_ptr failure) {
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        metrics().record_error(metrics::error_class::other, e.what());
      } catch (...) {
        metrics().record_error(metrics::error_class::other, "unknown failure in a user");
      }
    }
    if (--running_ == 0) {
      idle_timer_.cancel();
    }
  });
}

bool worker::active(const flow_phase& ph) const {
  return flow_.active(ph);
}

std::unique_ptr<virtual_user> worker::make_user(std::uint64_t id) {
  auto vu = std::make_unique<virtual_user>(ctx_, id, make_session_(ctx_, connector_));
  live_users_.push_back(*vu);
  vu->open_connections = &open_connections_;
  assign_data_row(*vu);
  return vu;
}

std::unique_ptr<virtual_user> worker::make_closed_user(std::uint64_t k) {
  auto vu = make_user(k);
  for (const auto& sc : plan_->scenarios) {
    if (k >= sc.first_fixed_user && k - sc.first_fixed_user < sc.fixed_users) {
      vu->fixed_scenario = &sc;
    }
  }
  return vu;
}

void worker::assign_data_row(virtual_user& vu) {
  const auto& data = plan_->campaign.data;
  if (!data || data_rows_.empty()) {
    return;
  }
  std::size_t row = 0;
  if (data->random_order) {
    row = data_rows_[std::uniform_int_distribution<std::size_t>(0, data_rows_.size() - 1)(rng_)];
  } else {
    row = data_rows_[next_data_row_++ % data_rows_.size()];
  }
  const auto& values = data->rows[row];
  for (std::size_t c = 0; c < data->columns.size() && c < values.size(); ++c) {
    vu.variables.set(data->columns[c], values[c]);
  }
}

const compiled_scenario& worker::pick_scenario() {
  // Smooth weighted round-robin: exact proportions over every sum-of-weights iterations, with
  // the scenarios interleaved rather than bunched.
  // Scenarios with fixed users are never picked (the campaign parser makes sure another is).
  const auto& scenarios = plan_->scenarios;
  if (scenarios.size() == 1) {
    return scenarios.front();
  }
  std::int64_t total = 0;
  std::size_t best = scenarios.size();
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    if (scenarios[i].fixed_users > 0) {
      continue;
    }
    if (best == scenarios.size()) {
      best = i;
    }
    scenario_credit_[i] += scenarios[i].weight;
    total += scenarios[i].weight;
    if (scenario_credit_[i] > scenario_credit_[best]) {
      best = i;
    }
  }
  if (best == scenarios.size()) {
    return scenarios.front();
  }
  scenario_credit_[best] -= total;
  return scenarios[best];
}

asio::awaitable<bool> worker::sleep_until(virtual_user& vu, clock::time_point when,
                                          const flow_phase& ph) {
  return flow_.sleep_until(vu, when, ph);
}

bool worker::needs_setup(const virtual_user& vu, const compiled_scenario& sc) {
  return !sc.setup.empty() && (sc.index >= vu.set_up.size() || !vu.set_up[sc.index]);
}

asio::awaitable<bool> worker::run_flow(virtual_user& vu, const compiled_scenario& sc,
                                       const flow_phase& ph) {
  if (needs_setup(vu, sc)) {
    // A setup that ends early (a failure, the phase's end) runs again before the next
    // iteration: the iterations after it count on what it does.
    const bool set_up = co_await flow_.run(vu, sc.setup, ph);
    if (!set_up) {
      co_return false;
    }
    vu.set_up.resize(std::max(vu.set_up.size(), sc.index + 1));
    vu.set_up[sc.index] = true;
  }
  const bool complete = co_await flow_.run(vu, sc.flow, ph);
  co_return complete;
}

asio::awaitable<void> worker::main_loop() {
  for (std::size_t i = 0; i < plan_->phases.size() && !stopping_; ++i) {
    const auto& pp = plan_->phases[i];
    if (phases_.size() <= i) {
      add_phase_states(i);
    }
    auto& phase = *phases_[i];
    const bool meets = pp.ends_by_iterations && i + 1 < plan_->phases.size();
    if (i < takeover_.first_phase || phase.end <= resume_at_) {
      // Over before this worker took over; one that ends by iterations past its cap still
      // waits for the others, who count on this worker's arrival.
      if (i >= takeover_.first_phase && meets) {
        const bool met = co_await meet_the_others(i);
        if (!met) {
          break;
        }
      }
      continue;
    }

    main_timer_.expires_at(phase.start);
    co_await main_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_) {
      break;
    }
    current_phase_ = i;
    start_phase(phase);
    main_timer_.expires_at(phase.end);
    if (pp.ends_by_iterations) {
      // Ends when the iterations are done (users exit, running_ drops to zero) or at the cap.
      while (running_ > 0 && !stopping_ && clock::now() < phase.end) {
        idle_timer_.expires_at(phase.end);
        co_await idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      }
    } else {
      co_await main_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    end_connections(phase);  // the hold ends with the phase, or with a stop
    phase.idle.clear();
    if (!stopping_ && i + 1 < plan_->phases.size()) {
      // Iterations still running get the phase's graceful stop, then are interrupted. (The
      // run's end drains every user below, with the same time.)
      phase.grace = std::make_unique<asio::steady_timer>(ctx_, pp.graceful_stop);
      phase.grace->async_wait([this, i](const boost::system::error_code& ec) {
        if (!ec) {
          interrupt_users(i);
        }
      });
    }
    if (meets && !stopping_) {
      const bool met = co_await meet_the_others(i);
      if (!met) {
        break;
      }
    }
  }

  // Drain: users see stopping_ and leave after the request they are in.
  load_end_ = clock::now();
  begin_stop(false);
  if (running_ > 0 && !aborting_) {
    idle_timer_.expires_after(
        plan_->phases[std::min(current_phase_, plan_->phases.size() - 1)].graceful_stop);
    co_await idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (running_ > 0) {
    aborting_ = true;
    for (auto& vu : live_users_) {
      vu.interrupted = true;
    }
    close_all_sessions();
    while (running_ > 0) {
      idle_timer_.expires_after(1s);
      co_await idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      close_all_sessions();
    }
  }
  end_population();
  cancel_graceful_stops();
  send_report(true);  // before finished_: if it throws, on_fatal still sends a final report
  finished_ = true;
  report_timer_.cancel();
}

asio::awaitable<bool> worker::meet_the_others(std::size_t index) {
  // The next phase starts when every worker is done, at one instant for all of them.
  auto next_start = clock::now();
  if (barrier_) {
    released_start_.reset();
    // The worker outlives every callback: workers are destroyed together, once joined.
    barrier_->arrive(index, index_, [this](clock::time_point start) {
      asio::post(ctx_, [this, start] {
        released_start_ = start;
        main_timer_.cancel();
      });
    });
    while (!released_start_ && !stopping_) {
      main_timer_.expires_at(clock::time_point::max());
      co_await main_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!released_start_) {
      co_return false;  // stopped while waiting
    }
    next_start = *released_start_;
  }
  shift_ = next_start - (run_start_ + plan_->phases[index + 1].start);
  co_return true;
}

void worker::add_phase_states(std::size_t index) {
  // A population's users run through all its phases, so the states of the later ones are
  // there from its first phase on (its phases end by time: their starts are known).
  for (auto i = index; i <= population_last(index); ++i) {
    const auto& pp = plan_->phases[i];
    auto ph = std::make_unique<phase_state>();
    ph->index = i;
    ph->plan = &pp;
    ph->start = run_start_ + pp.start + shift_;
    ph->end = ph->start + pp.length;
    ph->timer = std::make_unique<asio::steady_timer>(ctx_);
    if (const auto* closed = std::get_if<scenario::closed_model>(&pp.model)) {
      if (closed->total_iterations) {
        ph->limited = true;
        ph->iterations_left = worker_iterations(pp, index_, count_);
      }
    }
    if (takeover_.iterations_phase == i) {
      ph->limited = true;
      ph->taken_over = true;
      ph->iterations_left = takeover_.iterations_left;
    }
    phases_.push_back(std::move(ph));
  }
}

void worker::cancel_graceful_stops() {
  for (auto& ph : phases_) {
    if (ph->grace) {
      ph->grace->cancel();  // a pending one would keep the worker's thread waiting
    }
  }
}

asio::awaitable<void> worker::reporter() {
  while (!finished_) {
    report_timer_.expires_at(run_start_ + std::chrono::seconds(interval_index_ + 1));
    co_await report_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (finished_) {
      break;
    }
    send_report(false);
  }
}

void worker::send_report(bool final) {
  interval_report report;
  report.worker = index_;
  report.index = interval_index_++;
  report.final = final;
  report.phase = current_phase_;
  // Counted by the phase's users, which may begin before the main loop reaches the phase.
  report.phase_started = current_phase_ < phases_.size() ? phases_[current_phase_]->started : 0;
  if (final) {
    report.fatal = fatal_;
    if (load_end_) {
      report.drain_s = std::chrono::duration<double>(clock::now() - *load_end_).count();
    }
  }
  sample_gauges();
  report.metrics = std::exchange(current_, metrics::metric_set(plan_->layout));
  sink_(std::move(report));
}

void worker::start_phase(phase_state& ph) {
  const auto& model = ph.plan->model;
  if (std::holds_alternative<scenario::closed_model>(model)) {
    start_population(ph.index);
    return;
  }
  end_population();
  if (const auto* steps = std::get_if<scenario::steps_model>(&model)) {
    // Each step is a closed population that replaces the previous one at its boundary.
    std::uint64_t most = 0;
    for (auto n : steps->users) {
      most = std::max(most, n);
    }
    for (std::uint64_t k = index_; k < most; k += count_) {
      spawn(steps_user(ph, k));
    }
  } else if (const auto* held = std::get_if<scenario::connections_model>(&model)) {
    start_connections(ph, *held);
  } else if (const auto* open = std::get_if<scenario::open_model>(&model)) {
    // With a cap smaller than the worker count, only the first `cap` workers take arrivals, so
    // no worker is handed arrivals it may never start.
    std::uint64_t participants = count_;
    if (open->max_users) {
      participants = std::min<std::uint64_t>(count_, *open->max_users);
    }
    if (index_ >= participants) {
      return;
    }
    if (open->max_users) {
      ph.cap = slice{index_, participants}.share_of(*open->max_users);
    }
    ph.schedule = std::make_unique<rate_schedule>(
        open->arrival_rate, open->ramp_to.value_or(open->arrival_rate), ph.plan->length);
    ph.dispatcher = std::make_unique<slice_dispatcher>(*ph.schedule, slice{index_, participants});
    ph.dispatcher->skip_before(std::max(clock::duration::zero(), resume_at_ - ph.start));
    spawn(arrival_dispatcher(ph));
  } else {
    const auto& tp = std::get<scenario::throughput_model>(model);
    const std::uint64_t participants = std::min<std::uint64_t>(count_, tp.connections);
    if (index_ >= participants) {
      return;
    }
    const slice mine{index_, participants};
    ph.schedule = std::make_unique<rate_schedule>(tp.rate, tp.rate, ph.plan->length);
    ph.dispatcher = std::make_unique<slice_dispatcher>(*ph.schedule, mine);
    ph.paced = ph.dispatcher.get();
    ph.dispatcher->skip_before(std::max(clock::duration::zero(), resume_at_ - ph.start));
    ph.users = mine.share_of(tp.connections);
    for (std::uint64_t c = 0; c < ph.users; ++c) {
      spawn(throughput_connection(ph, index_ + c * participants));
    }
  }
}

const compiled_scenario& worker::begin_iteration(virtual_user& vu) {
  const auto& sc = vu.fixed_scenario != nullptr ? *vu.fixed_scenario : pick_scenario();
  ++metrics().iterations_started;
  ++metrics().scenario_started[sc.index];
  vu.scenario = sc.index;
  if (sc.cookies == scenario::cookie_policy::reset_each_iteration) {
    vu.cookies.clear();
  }
  return sc;
}

void worker::end_iteration(virtual_user& vu, const compiled_scenario& sc, bool complete,
                           const flow_phase& ph) {
  // Subscriptions end with the iteration (a stop, a failure, the phase end): their gaps are
  // lost messages now.
  if (vu.deliveries) {
    settle_push_deliveries(*vu.deliveries, metrics());
  }
  if (complete) {
    ++metrics().iterations_completed;
    ++metrics().scenario_completed[sc.index];
  } else if (vu.interrupted || !active(ph)) {
    ++metrics().iterations_interrupted;
  }
}

void worker::interrupt_users(std::size_t index) {
  for (auto& vu : live_users_) {
    if (vu.phase == index) {
      interrupt(vu);
    }
  }
}

void worker::interrupt(virtual_user& vu) {
  vu.interrupted = true;
  vu.timer.cancel();
  vu.session->close();
  if (vu.ws) {
    vu.ws->abort();
  }
  if (vu.sse) {
    vu.sse->close();
  }
}

}  // namespace stampede::engine

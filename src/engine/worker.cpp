// SPDX-License-Identifier: Apache-2.0
#include "engine/worker.hpp"

#include <time.h>

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/duration_text.hpp"
#include "core/unix_time.hpp"
#include "engine/held_connection_metrics.hpp"
#include "engine/push_deliveries.hpp"
#include "engine/rendered_request_check.hpp"
#include "engine/response_checks.hpp"
#include "net/loopback_sources.hpp"
#include "protocol/http1/connection_holder.hpp"
#include "push/push_stamp.hpp"
#include "scenario/json_path.hpp"

namespace stampede::engine {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr auto graceful_stop_period = 5s;
/// A scheduled send that leaves later than this is counted as a late start.
constexpr auto late_start_tolerance = 1ms;
constexpr auto unlimited = std::numeric_limits<std::uint64_t>::max();
/// Connections phases without a connect_rate: connects in progress per worker at most.
constexpr std::size_t max_connects_in_flight = 1024;
/// Connects started back to back before other work of the worker gets a turn.
constexpr std::uint64_t connects_per_turn = 256;
/// A paced worker opens together the connects due within this much of the one it woke for:
/// at tens of thousands of connects per second, a wake-up (and timer change) for each would
/// cost about as much as the connect.
constexpr auto connect_batch_window = 5ms;

std::uint64_t to_us(std::chrono::nanoseconds d) {
  return d.count() <= 0 ? 0 : static_cast<std::uint64_t>(d.count() / 1000);
}

}  // namespace

struct worker::phase_state {
  std::size_t index = 0;
  const phase_plan* plan = nullptr;
  clock::time_point start{};
  clock::time_point end{};
  bool limited = false;  ///< quick mode -n: iterations_left bounds the phase
  std::uint64_t iterations_left = 0;
  std::uint64_t users = 0;        ///< users (closed), connections (throughput) of this worker
  std::uint64_t cap = unlimited;  ///< open model: concurrent iterations of this worker
  std::uint64_t active_iterations = 0;
  std::unique_ptr<rate_schedule> schedule;
  std::unique_ptr<slice_dispatcher> dispatcher;
  /// Constant throughput: every request waits for its send time from `dispatcher`.
  bool paced_requests = false;
  std::vector<std::unique_ptr<virtual_user>> idle;  ///< open model: users between iterations
  std::unique_ptr<asio::steady_timer> timer;
  /// Connections phases: this worker's held connections, and what records them.
  std::unique_ptr<held_connection_metrics> held_metrics;
  std::unique_ptr<protocol::http1::connection_holder> holder;
};

worker::worker(std::uint32_t index, std::uint32_t count, std::shared_ptr<const run_plan> plan,
               report_sink sink)
    : index_(index),
      count_(count),
      plan_(std::move(plan)),
      sink_(std::move(sink)),
      connector_(plan_->connect),
      make_session_(make_session_factory(*plan_)),
      make_websocket_(make_websocket_factory(*plan_)),
      make_event_stream_(make_event_stream_factory(*plan_)),
      current_(plan_->layout),
      main_timer_(ctx_),
      idle_timer_(ctx_),
      report_timer_(ctx_),
      rng_(std::random_device{}() ^ (static_cast<std::uint64_t>(index) << 32)),
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
  thread_ = std::thread([this] { ctx_.run(); });
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

bool worker::before(clock::time_point deadline) {
  // CLOCK_MONOTONIC_COARSE shares steady_clock's origin (CLOCK_MONOTONIC) but ticks only every
  // few milliseconds; within its tick of the deadline the precise clock decides.
  constexpr auto coarse_tick = std::chrono::milliseconds(10);
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  const clock::time_point coarse{std::chrono::seconds(ts.tv_sec) +
                                 std::chrono::nanoseconds(ts.tv_nsec)};
  if (coarse + coarse_tick < deadline) {
    return true;
  }
  return clock::now() < deadline;
}

bool worker::active(const phase_state& ph) const {
  return !stopping_ && before(ph.end);
}

std::unique_ptr<virtual_user> worker::make_user(std::uint64_t id) {
  auto vu = std::make_unique<virtual_user>(ctx_, id, make_session_(ctx_, connector_));
  live_users_.push_back(*vu);
  vu->open_connections = &open_connections_;
  assign_data_row(*vu);
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
                                          phase_state& ph) {
  if (!active(ph)) {
    co_return false;
  }
  if (when > clock::now()) {
    vu.timer.expires_at(std::min(when, ph.end));
    co_await vu.timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return active(ph) && clock::now() >= when;
}

asio::awaitable<void> worker::main_loop() {
  for (std::size_t i = 0; i < plan_->phases.size() && !stopping_; ++i) {
    const auto& pp = plan_->phases[i];
    auto ph = std::make_unique<phase_state>();
    ph->index = i;
    ph->plan = &pp;
    ph->start = run_start_ + pp.start;
    ph->end = ph->start + pp.length;
    ph->timer = std::make_unique<asio::steady_timer>(ctx_);
    auto& phase = *ph;
    phases_.push_back(std::move(ph));
    if (phase.end <= resume_at_) {
      continue;  // over before this worker took over
    }

    main_timer_.expires_at(phase.start);
    co_await main_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_) {
      break;
    }
    current_phase_ = i;
    start_phase(phase);
    main_timer_.expires_at(phase.end);
    if (phase.limited) {
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
  }

  // Drain: users see stopping_ and leave after the request they are in.
  begin_stop(false);
  if (running_ > 0 && !aborting_) {
    idle_timer_.expires_after(graceful_stop_period);
    co_await idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (running_ > 0) {
    aborting_ = true;
    close_all_sessions();
    while (running_ > 0) {
      idle_timer_.expires_after(1s);
      co_await idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      close_all_sessions();
    }
  }
  send_report(true);  // before finished_: if it throws, on_fatal still sends a final report
  finished_ = true;
  report_timer_.cancel();
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
  if (final) {
    report.fatal = fatal_;
  }
  sample_gauges();
  report.metrics = std::exchange(current_, metrics::metric_set(plan_->layout));
  sink_(std::move(report));
}

void worker::sample_gauges() {
  // Gauges report the most seen in the interval, so a run shorter than a second still shows
  // its users and connections.
  current_.active_users = std::max(current_.active_users, active_users_);
  current_.active_connections = std::max(current_.active_connections, open_connections_);
}

void worker::start_phase(phase_state& ph) {
  const auto& model = ph.plan->model;
  if (const auto* closed = std::get_if<scenario::closed_model>(&model)) {
    const slice mine{index_, count_};
    ph.users = mine.share_of(closed->users);
    if (closed->iterations) {
      // Only workers with users can run iterations: the budget is split among those
      // (workers index < users), so -c 1 -n 10 on two threads still runs 10.
      ph.limited = true;
      const auto with_users = std::min<std::uint64_t>(closed->users, count_);
      ph.iterations_left =
          index_ < with_users ? slice{index_, with_users}.share_of(*closed->iterations) : 0;
    }
    for (std::uint64_t k = index_; k < closed->users; k += count_) {
      spawn(closed_user(ph, k, closed->users));
    }
  } else if (const auto* steps = std::get_if<scenario::steps_model>(&model)) {
    // Each step is a closed population that replaces the previous one at its boundary.
    std::uint64_t most = 0;
    for (auto n : steps->users) {
      most = std::max(most, n);
    }
    for (std::uint64_t k = index_; k < most; k += count_) {
      spawn(closed_user(ph, k, most));
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
    ph.paced_requests = true;
    ph.dispatcher->skip_before(std::max(clock::duration::zero(), resume_at_ - ph.start));
    ph.users = mine.share_of(tp.connections);
    for (std::uint64_t c = 0; c < ph.users; ++c) {
      spawn(throughput_connection(ph, index_ + c * participants));
    }
  }
}

void worker::start_connections(phase_state& ph, const scenario::connections_model& model) {
  const auto share = slice{index_, count_}.share_of(model.connections);
  if (share == 0) {
    return;
  }
  protocol::http1::hold_settings settings;
  settings.endpoints = plan_->connect.endpoints;
  settings.bind_addresses = plan_->connect.bind_addresses;
  if (settings.bind_addresses.empty() && !settings.endpoints.empty() &&
      settings.endpoints.front().address().is_v4() &&
      settings.endpoints.front().address().is_loopback()) {
    settings.bind_addresses = net::loopback_sources(index_, count_, model.connections);
  }
  settings.connect_timeout = plan_->campaign.defaults_.connect_timeout;
  settings.ping_every = model.ping;
  settings.ping_request =
      fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: stampede/0.1\r\n\r\n",
                  model.ping_path, plan_->target.host_header());
  settings.ping_timeout = plan_->campaign.defaults_.request_timeout;
  if (!model.websocket.empty()) {
    // The key only has to be 16 bytes in base64: every connection may send the same one.
    settings.upgrade_request = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: c3RhbXBlZGUtaGVsZC13cw==\r\nSec-WebSocket-Version: 13\r\n"
        "User-Agent: stampede/0.1\r\n\r\n",
        model.websocket, plan_->target.host_header());
  }
  settings.http2 = plan_->target.scheme == "h2c";
  ph.held_metrics = std::make_unique<held_connection_metrics>(current_, open_connections_,
                                                              !model.websocket.empty());
  ph.holder = std::make_unique<protocol::http1::connection_holder>(ctx_, std::move(settings),
                                                                   *ph.held_metrics, share);
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

asio::awaitable<void> worker::closed_user(phase_state& ph, std::uint64_t k, std::uint64_t n) {
  auto vu = make_user(k);
  for (const auto& sc : plan_->scenarios) {
    if (k >= sc.first_fixed_user && k - sc.first_fixed_user < sc.fixed_users) {
      vu->fixed_scenario = &sc;
    }
  }
  const auto& model = ph.plan->model;
  std::optional<std::chrono::nanoseconds> pace;
  clock::time_point user_start = ph.start;
  clock::time_point user_end = ph.end;
  if (const auto* closed = std::get_if<scenario::closed_model>(&model)) {
    pace = closed->pace;
    if (closed->ramp) {
      user_start += ramp_start(k, n, *closed->ramp);
    }
  } else if (const auto* steps = std::get_if<scenario::steps_model>(&model)) {
    // User k takes part from the first step that has more than k users, to the end of the
    // last consecutive step that still does.
    std::size_t first = steps->users.size();
    for (std::size_t s = 0; s < steps->users.size(); ++s) {
      if (steps->users[s] > k) {
        first = s;
        break;
      }
    }
    std::size_t last = first;
    while (last + 1 < steps->users.size() && steps->users[last + 1] > k) {
      ++last;
    }
    user_start = ph.start + steps->step_duration * static_cast<std::int64_t>(first);
    user_end = ph.start + steps->step_duration * static_cast<std::int64_t>(last + 1);
  }
  // A takeover starts paced users at their first due time after it, not with a burst of the
  // iterations they would have run before.
  std::uint64_t first_iteration = 0;
  if (pace && pace->count() > 0 && resume_at_ > user_start) {
    first_iteration = static_cast<std::uint64_t>((resume_at_ - user_start + *pace - 1ns) / *pace);
  }
  if (co_await sleep_until(*vu, std::max(user_start, resume_at_), ph)) {
    ++active_users_;
    const bool own_end = user_end != ph.end;  // steps: this user's part ends before the phase
    for (std::uint64_t i = first_iteration; active(ph) && (!own_end || before(user_end)); ++i) {
      if (ph.limited) {
        if (ph.iterations_left == 0) {
          break;
        }
        --ph.iterations_left;
      }
      if (pace) {
        const auto due = user_start + *pace * static_cast<std::int64_t>(i);
        const auto now = clock::now();
        if (due > now) {
          if (!co_await sleep_until(*vu, due, ph)) {
            break;
          }
        } else if (now - due > late_start_tolerance) {
          ++metrics().late_starts;
          metrics().schedule_lag.record(to_us(now - due));
        }
      }
      const auto& sc = begin_iteration(*vu);
      bool complete = false;
      const auto* lone = sc.flow.size() == 1 ? std::get_if<compiled_request>(&sc.flow[0]) : nullptr;
      if (lone != nullptr && !ph.paced_requests) {
        // A flow of one request, the shape of many a load test, runs in the user's own frame:
        // no flow frame for every iteration.
        const auto out = render_request(*vu, *lone, {});
        if (!refuse_unsendable(*vu, *lone, out)) {
          co_await vu->session->exchange(out, vu->response, vu->result);
        }
        complete = record_exchange(*vu, *lone, out, std::nullopt);
      } else {
        complete = co_await run_flow(*vu, sc.flow, ph);
      }
      end_iteration(*vu, sc, complete);
    }
    --active_users_;
  }
  vu.reset();
}

asio::awaitable<void> worker::throughput_connection(phase_state& ph, std::uint64_t k) {
  auto vu = make_user(k);
  ++active_users_;
  while (active(ph)) {
    // Awaited alone: GCC 12 miscompiles a co_await inside a && or || chain.
    const auto& sc = begin_iteration(*vu);
    const bool completed = co_await run_flow(*vu, sc.flow, ph);
    end_iteration(*vu, sc, completed);
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
      const auto lag = now - (ph.start + due);
      if (lag > late_start_tolerance) {
        ++metrics().late_starts;
        metrics().schedule_lag.record(to_us(lag));
      }
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
  ++ph.active_iterations;
  ++active_users_;
  const auto& sc = begin_iteration(*vu);
  const bool complete = co_await run_flow(*vu, sc.flow, ph);
  end_iteration(*vu, sc, complete);
  --active_users_;
  --ph.active_iterations;
  if (active(ph)) {
    ph.idle.push_back(std::move(vu));  // keeps its connection for the next arrival
  }
  vu.reset();
}

const compiled_scenario& worker::begin_iteration(virtual_user& vu) {
  const auto& sc = vu.fixed_scenario != nullptr ? *vu.fixed_scenario : pick_scenario();
  ++metrics().iterations_started;
  ++metrics().scenario_started[sc.index];
  return sc;
}

void worker::end_iteration(virtual_user& vu, const compiled_scenario& sc, bool complete) {
  // Subscriptions end with the iteration (a stop, a failure, the phase end): their gaps are
  // lost messages now.
  if (vu.deliveries) {
    settle_push_deliveries(*vu.deliveries, metrics());
  }
  if (complete) {
    ++metrics().iterations_completed;
    ++metrics().scenario_completed[sc.index];
  }
}

asio::awaitable<bool> worker::run_flow(virtual_user& vu, const std::vector<compiled_step>& flow,
                                       phase_state& ph) {
  for (const auto& step : flow) {
    if (!active(ph)) {
      co_return false;
    }
    if (const auto* req = std::get_if<compiled_request>(&step)) {
      if (ph.paced_requests) {
        if (!co_await run_request(vu, *req, ph)) {
          co_return false;
        }
        continue;
      }
      // The usual step runs here rather than in run_request: a coroutine frame less for
      // every request.
      const auto out = render_request(vu, *req, {});
      if (!refuse_unsendable(vu, *req, out)) {
        co_await vu.session->exchange(out, vu.response, vu.result);
      }
      if (!record_exchange(vu, *req, out, std::nullopt)) {
        co_return false;
      }
    } else if (const auto* think = std::get_if<compiled_think>(&step)) {
      auto pause = think->min;
      if (think->max > think->min) {
        pause = std::chrono::nanoseconds(std::uniform_int_distribution<std::int64_t>(
            think->min.count(), think->max.count())(rng_));
      }
      if (!co_await sleep_until(vu, clock::now() + pause, ph)) {
        co_return false;
      }
    } else if (const auto* ws = std::get_if<compiled_ws>(&step)) {
      if (!co_await run_ws(vu, *ws, ph)) {
        co_return false;
      }
    } else if (const auto* sse = std::get_if<compiled_sse>(&step)) {
      if (!co_await run_sse(vu, *sse, ph)) {
        co_return false;
      }
    } else if (const auto* poll = std::get_if<compiled_longpoll>(&step)) {
      if (!co_await run_longpoll(vu, *poll, ph)) {
        co_return false;
      }
    } else if (const auto* publish = std::get_if<compiled_publish>(&step)) {
      if (!co_await run_publish(vu, *publish, ph)) {
        co_return false;
      }
    } else {
      const auto& loop = std::get<compiled_loop>(step);
      for (std::uint32_t i = 0; i < loop.count; ++i) {
        if (!co_await run_flow(vu, loop.flow, ph)) {
          co_return false;
        }
      }
    }
  }
  co_return true;
}

asio::awaitable<bool> worker::run_ws(virtual_user& vu, const compiled_ws& w, phase_state& ph) {
  namespace sc = scenario;
  const auto& step = *w.spec;
  if (const auto* open = std::get_if<sc::ws_open_step>(&step)) {
    vu.target_buffer.clear();
    open->path.render_to(vu.variables, vu.target_buffer);
    render_headers(vu, w.headers);
    if (auto why =
            unsendable_reason(vu.target_buffer, open->path.has_raw_values(), vu.header_views)) {
      record_unsendable(*why, open->name);
      co_return false;
    }
    // A new socket is a new subscription: the old one's gaps are lost messages.
    settle_push_deliveries(vu.subscription(), metrics());
    if (!vu.ws) {
      // Counted as they arrive, into the second they arrive in. The reader shares the
      // tracker, so a message arriving after the user is gone touches nothing freed.
      vu.ws = make_websocket_(ctx_, connector_,
                              [this, deliveries = vu.deliveries](std::string_view payload) {
                                auto& m = metrics();
                                ++m.ws_messages_in;
                                m.ws_bytes_in += payload.size();
                                record_push_delivery(payload, *deliveries, m);
                              });
      vu.ws->count_open_in(&open_connections_);
    }
    vu.ws_sent_at.reset();
    const auto r = co_await vu.ws->open(vu.target_buffer, vu.header_views, w.timeout);
    auto& m = metrics();
    if (r.connect_time.count() > 0) {
      ++m.connections_opened;
      m.connect.record(to_us(r.connect_time));
      if (r.tls_time.count() > 0) {
        m.tls.record(to_us(r.tls_time));
      }
    }
    if (r.failed) {
      m.record_error(r.error, r.message);
      co_return false;
    }
    ++m.ws_opened;
    sample_gauges();
    m.ws_handshake.record(to_us(r.handshake_time));
    m.steps[w.metric_index].record(to_us(r.handshake_time));
    co_return true;
  }
  if (const auto* send = std::get_if<sc::ws_send_step>(&step)) {
    std::string_view message;
    if (send->message.is_literal()) {
      message = send->message.text();
    } else {
      vu.body_buffer.clear();
      send->message.render_to(vu.variables, vu.body_buffer);
      message = vu.body_buffer;
    }
    if (!vu.ws) {
      metrics().record_error(metrics::error_class::protocol,
                             "send without an open WebSocket (add a ws: step before it)");
      co_return false;
    }
    const auto sent_at = clock::now();
    const auto r = co_await vu.ws->send(message, send->binary, w.timeout);
    auto& m = metrics();
    if (r.failed) {
      m.record_error(r.error, r.message);
      co_return false;
    }
    ++m.ws_messages_out;
    m.ws_bytes_out += r.bytes_out;
    vu.ws_sent_at = sent_at;
    co_return true;
  }
  if (const auto* expect = std::get_if<sc::ws_expect_step>(&step)) {
    if (!vu.ws) {
      metrics().record_error(metrics::error_class::protocol,
                             "expect without an open WebSocket (add a ws: step before it)");
      co_return false;
    }
    const auto deadline = clock::now() + expect->timeout;
    protocol::websocket::ws_message message;
    while (true) {
      const auto r = co_await vu.ws->receive(message, deadline);
      if (r.failed) {
        metrics().record_error(
            r.error, r.error == metrics::error_class::request_timeout
                         ? fmt::format("no WebSocket message matching {} within {}",
                                       expect->description, core::format_duration(expect->timeout))
                         : r.message);
        co_return false;
      }
      if (ws_matches(*expect, w, message.data, vu)) {
        break;
      }
    }
    if (vu.ws_sent_at) {
      metrics().ws_rtt.record(to_us(message.received_at - *vu.ws_sent_at));
      vu.ws_sent_at.reset();
    }
    co_return true;
  }
  if (const auto* hold = std::get_if<sc::ws_hold_step>(&step)) {
    if (vu.ws) {
      vu.ws->keep_received(false);
    }
    const bool held = co_await sleep_until(vu, clock::now() + hold->length, ph);
    if (vu.ws) {
      vu.ws->keep_received(true);
    }
    if (!held) {
      co_return false;
    }
    if (!vu.ws || !vu.ws->is_open()) {
      metrics().record_error(metrics::error_class::reset,
                             "the WebSocket was not open through the hold");
      co_return false;
    }
    co_return true;
  }
  // close
  if (vu.ws) {
    co_await vu.ws->close(w.timeout);
  }
  vu.ws_sent_at.reset();
  co_return true;
}

void worker::render_headers(virtual_user& vu, const std::vector<compiled_header>& headers) {
  vu.header_views.clear();
  if (vu.header_buffers.size() < headers.size()) {
    vu.header_buffers.resize(headers.size());
  }
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const auto& h = headers[i];
    if (h.value.is_literal()) {
      vu.header_views.push_back({h.name, h.value.text()});  // no copy of what never changes
    } else {
      vu.header_buffers[i].clear();
      h.value.render_to(vu.variables, vu.header_buffers[i]);
      vu.header_views.push_back({h.name, vu.header_buffers[i]});
    }
  }
}

asio::awaitable<bool> worker::run_sse(virtual_user& vu, const compiled_sse& s, phase_state& ph) {
  const auto& spec = *s.spec;
  vu.target_buffer.clear();
  spec.path.render_to(vu.variables, vu.target_buffer);
  render_headers(vu, s.headers);
  if (auto why = unsendable_reason(vu.target_buffer, spec.path.has_raw_values(), vu.header_views)) {
    record_unsendable(*why, spec.name);
    co_return false;
  }
  const auto stream = make_event_stream_(ctx_, connector_);
  vu.sse = stream;
  const auto began = clock::now();
  const auto opened = co_await stream->open(vu.target_buffer, vu.header_views, s.timeout);
  {
    auto& m = metrics();
    m.bytes_in += opened.bytes_in;
    if (opened.connected) {
      ++m.connections_opened;
      m.connect.record(to_us(opened.connect_time));
      if (opened.tls_time.count() > 0) {
        m.tls.record(to_us(opened.tls_time));
      }
    }
    if (opened.failed) {
      if (!stopping_) {  // a stop cuts a subscription short; that is not the server's doing
        m.record_error(opened.error, opened.message);
      }
      vu.sse.reset();
      co_return false;
    }
    ++m.sse_streams;
    m.steps[s.metric_index].record(to_us(clock::now() - began));
  }
  // An open event stream is an open connection in the gauge, as a WebSocket is, until the
  // step ends however it ends.
  struct counted_open {
    std::uint64_t& gauge;
    ~counted_open() { --gauge; }
  } const counted{open_connections_};
  ++open_connections_;
  sample_gauges();
  // Until `events` arrived, `duration` passed or the phase ends, whichever comes first; the
  // end of the wait is the step's normal end, not an error.
  auto deadline = ph.end;
  if (spec.duration_) {
    deadline = std::min(deadline, clock::now() + *spec.duration_);
  }
  std::optional<clock::time_point> last_event;
  std::string data;
  for (std::uint64_t received = 0; !spec.events || received < *spec.events; ++received) {
    clock::time_point at{};
    const auto next = co_await stream->next(data, at, deadline);
    auto& m = metrics();
    m.bytes_in += next.bytes_in;
    if (next.failed) {
      if (next.error != metrics::error_class::request_timeout && !stopping_) {
        m.record_error(next.error, next.message);
        vu.sse.reset();
        co_return false;
      }
      break;
    }
    ++m.sse_events;
    record_push_delivery(data, vu.subscription(), m);
    if (last_event) {
      m.sse_gap.record(to_us(at - *last_event));
    }
    last_event = at;
  }
  stream->close();
  vu.sse.reset();
  settle_push_deliveries(vu.subscription(), metrics());
  co_return true;
}

asio::awaitable<bool> worker::run_longpoll(virtual_user& vu, const compiled_longpoll& poll,
                                           phase_state& ph) {
  const auto& spec = *poll.spec;
  auto end = ph.end;
  if (spec.duration_) {
    end = std::min(end, clock::now() + *spec.duration_);
  }
  std::optional<clock::time_point> answered_at;
  for (std::uint64_t i = 0; (!spec.polls || i < *spec.polls) && before(end) && active(ph); ++i) {
    if (!co_await run_request(vu, poll.request, ph)) {
      co_return false;
    }
    const auto& r = vu.result;
    auto& m = metrics();
    ++m.longpoll_polls;
    if (r.failed) {
      answered_at.reset();
      continue;
    }
    if (answered_at && r.sent_at >= *answered_at) {
      m.longpoll_gap.record(to_us(r.sent_at - *answered_at));
    }
    answered_at = r.done_at;
    if (vu.response.status == 200) {
      ++m.longpoll_messages;
      record_push_delivery(vu.response.body, vu.subscription(), m);
    } else {
      ++m.longpoll_empty;
    }
  }
  settle_push_deliveries(vu.subscription(), metrics());
  co_return true;
}

asio::awaitable<bool> worker::run_publish(virtual_user& vu, const compiled_publish& publish,
                                          phase_state& ph) {
  const auto& spec = *publish.spec;
  const auto& path = publish.request.spec->path;
  const auto interval =
      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / spec.rate));
  const auto start = clock::now();
  auto end = ph.end;
  if (spec.duration_) {
    end = std::min(end, start + *spec.duration_);
  }
  std::string channel;
  std::string body;
  for (std::uint64_t i = 0; !spec.count || i < *spec.count; ++i) {
    // Sends keep to the schedule from the step's start: a slow answer makes the next ones
    // leave late (counted as schedule lag), never fewer of them.
    const auto due = start + interval * static_cast<std::int64_t>(i);
    if (due >= end) {
      break;
    }
    if (due > clock::now()) {
      if (!co_await sleep_until(vu, due, ph)) {
        break;
      }
    } else if (const auto lag = clock::now() - due; lag > late_start_tolerance) {
      ++metrics().late_starts;
      metrics().schedule_lag.record(to_us(lag));
    }
    if (!active(ph)) {
      break;
    }
    channel.clear();
    fmt::format_to(std::back_inserter(channel), "{}", i % spec.channels);
    vu.variables.set("channel", channel);
    vu.target_buffer.clear();
    path.render_to(vu.variables, vu.target_buffer);
    const auto stream = push::stream_id(ph.index, vu.id, vu.target_buffer);
    auto* sequence = [&]() -> std::uint64_t* {
      for (auto& [id, next] : vu.publish_sequences) {
        if (id == stream) {
          return &next;
        }
      }
      return &vu.publish_sequences.emplace_back(stream, 1).second;
    }();
    body.clear();
    push::write_stamp({stream, *sequence, core::unix_us()}, spec.size, body);
    // Sent on the step's own schedule: never through run_request, which in a constant
    // throughput phase would also wait for a send slot of the phase.
    const auto out = render_request(vu, publish.request, body);
    if (!refuse_unsendable(vu, publish.request, out)) {
      co_await vu.session->exchange(out, vu.response, vu.result);
    }
    if (!record_exchange(vu, publish.request, out, std::nullopt)) {
      co_return false;
    }
    const auto& r = vu.result;
    if (r.failed) {
      ++*sequence;  // the server may have taken it: a subscriber missing it is a loss
    } else if (vu.response.status < 400) {
      ++*sequence;
      ++metrics().push_published;
    }
    // A refusal (status >= 400) reuses the number: the server said it did not take it.
  }
  co_return true;
}

bool worker::ws_matches(const scenario::ws_expect_step& expect, const compiled_ws& w,
                        const std::string& data, virtual_user& vu) {
  using kind = scenario::ws_expect_step::kind;
  switch (expect.what) {
    case kind::any:
      return true;
    case kind::text:
      return data.find(expect.pattern) != std::string::npos;
    case kind::regex:
      return w.regex->search(data);
    case kind::json_path: {
      const auto doc = nlohmann::json::parse(data, nullptr, false);
      if (doc.is_discarded()) {
        return false;
      }
      const auto value = scenario::json_path_lookup(doc, expect.pattern);
      if (!value) {
        return false;
      }
      if (!expect.equals) {
        return true;
      }
      std::string wanted;
      expect.equals->render_to(vu.variables, wanted);
      return *value == wanted;
    }
  }
  return false;
}

asio::awaitable<bool> worker::run_request(virtual_user& vu, const compiled_request& req,
                                          phase_state& ph, std::string_view body) {
  // Constant throughput: each request takes the next send time of this worker's slice, and its
  // latency counts from that time, so a stalled server cannot hide its stall.
  std::optional<clock::time_point> intended;
  if (ph.paced_requests) {
    const auto next = ph.dispatcher->take_next();
    if (!next) {
      co_return false;
    }
    intended = ph.start + *next;
    if (!co_await sleep_until(vu, *intended, ph)) {
      co_return false;
    }
    const auto lag = clock::now() - *intended;
    if (lag > late_start_tolerance) {
      ++metrics().late_starts;
      metrics().schedule_lag.record(to_us(lag));
    }
  }

  const auto out = render_request(vu, req, body);
  if (!refuse_unsendable(vu, req, out)) {
    co_await vu.session->exchange(out, vu.response, vu.result);
  }
  co_return record_exchange(vu, req, out, intended);
}

void worker::record_unsendable(const unsendable& why, std::string_view step) {
  metrics().record_error(
      metrics::error_class::invalid_request, {why.reason.data(), 0},
      [&] { return std::string(why.reason); },
      [&] { return fmt::format("{}: {}", step, why.message); });
}

bool worker::refuse_unsendable(virtual_user& vu, const compiled_request& req,
                               const protocol::request& out) {
  if (!req.check_rendered) {
    return false;
  }
  auto why = unsendable_reason(
      out.target, req.spec->path.has_raw_values(),
      req.literal_headers ? std::span<const protocol::header_view>{} : out.headers);
  if (!why) {
    return false;
  }
  vu.result.clear();
  vu.result.failed = true;
  vu.result.error = metrics::error_class::invalid_request;
  vu.result.message = fmt::format("{}: {}", req.spec->name, why->message);
  vu.result.reason = why->reason;
  return true;
}

protocol::request worker::render_request(virtual_user& vu, const compiled_request& req,
                                         std::string_view body) {
  const auto& spec = *req.spec;
  protocol::request out;
  out.method = spec.method;
  if (spec.path.is_literal()) {
    out.target = spec.path.text();
  } else {
    vu.target_buffer.clear();
    spec.path.render_to(vu.variables, vu.target_buffer);
    out.target = vu.target_buffer;
  }
  if (req.literal_headers) {
    out.headers = req.header_views;
  } else {
    render_headers(vu, req.headers);
    out.headers = vu.header_views;
  }
  out.cache_key = req.literal ? &req : nullptr;
  if (!body.empty()) {
    out.body = body;
  } else if (spec.body) {
    if (spec.body->is_literal()) {
      out.body = spec.body->text();
    } else {
      vu.body_buffer.clear();
      spec.body->render_to(vu.variables, vu.body_buffer);
      out.body = vu.body_buffer;
    }
  }
  out.timeout = req.timeout;
  out.keep_headers = req.keep_headers;
  out.keep_body = req.keep_body;
  return out;
}

bool worker::record_exchange(virtual_user& vu, const compiled_request& req,
                             const protocol::request& out,
                             std::optional<clock::time_point> intended) {
  const auto& spec = *req.spec;
  vu.track_connection();
  sample_gauges();
  const auto& r = vu.result;
  if (r.aborted) {
    return false;
  }
  auto& m = metrics();
  ++m.requests;
  m.bytes_in += r.bytes_in;
  m.bytes_out += r.bytes_out;
  if (r.http2) {
    ++m.http2_streams;
    m.streams_reset += r.stream_reset ? 1 : 0;
    m.goaways += r.goaways;
  }
  if (r.connected) {
    ++m.connections_opened;
    m.connect.record(to_us(r.connect_time));
    if (r.tls_time.count() > 0) {
      m.tls.record(to_us(r.tls_time));
    }
  }
  if (r.failed) {
    ++m.requests_failed;
    if (r.reason.empty()) {
      m.record_error(r.error, r.message);
    } else {
      m.record_error(
          r.error, {r.reason.data(), 0}, [&] { return std::string(r.reason); },
          [&] { return r.message; });
    }
    return true;
  }
  const auto latency = r.done_at - intended.value_or(r.sent_at);
  m.latency.record(to_us(latency));
  m.steps[req.metric_index].record(to_us(latency));
  if (r.first_byte_at != clock::time_point{}) {
    m.ttfb.record(to_us(r.first_byte_at - r.sent_at));
  }
  const int status = vu.response.status;
  m.record_status(status);
  if (status >= 400) {
    ++m.requests_failed;
    // One reason per step and status; the sample names the path as sent.
    m.record_error(
        metrics::error_class::http_status, {&spec, status},
        [&] { return fmt::format("{} -> {}", spec.name, status); },
        [&] { return fmt::format("{} {} -> {}", spec.method, out.target, status); });
  }
  if (!req.checks.empty() || !req.captures.empty()) {
    response_checks checks(vu.response);
    for (const auto& c : req.checks) {
      if (checks.passes(*c.spec, vu.variables)) {
        ++m.checks_passed;
        ++m.check_passed[c.index];
      } else {
        ++m.checks_failed;
        ++m.check_failed[c.index];
        // The reason is the check; what was seen instead goes into the sample only.
        const auto& check_name = plan_->layout.checks[c.index];
        m.record_error(
            metrics::error_class::check_failed, {c.spec, 0}, [&] { return check_name; },
            [&] {
              std::string failure;
              checks.passes(*c.spec, vu.variables, &failure);
              return check_name + ": " + failure;
            });
      }
    }
    for (const auto& cap : req.captures) {
      if (auto value = checks.capture(*cap.spec, cap.regex.get())) {
        vu.variables.set(cap.spec->variable, std::move(*value));
      }
    }
  }
  return true;
}

}  // namespace stampede::engine

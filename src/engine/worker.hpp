// SPDX-License-Identifier: Apache-2.0
// One worker thread: its own io_context, its own users and connections, its own metrics.
// Workers share nothing mutable; they hand a metric_set to the controller once a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include "engine/flow_interpreter.hpp"
#include "engine/interval_report.hpp"
#include "engine/phase_barrier.hpp"
#include "engine/run_plan.hpp"
#include "engine/schedule.hpp"
#include "engine/session_registry.hpp"
#include "engine/virtual_user.hpp"

namespace stampede::engine {

/// Thread-safety: construct, start(), stop() and join() from the owning thread; stop() may be
/// called at any time and from any thread. Everything else runs on the worker's own thread.
class worker {
 public:
  using clock = std::chrono::steady_clock;

  /// Worker `index` of `count` in the run: it runs that slice of every phase's users and events.
  worker(std::uint32_t index, std::uint32_t count, std::shared_ptr<const run_plan> plan,
         report_sink sink);
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  /// Starts the thread; the first phase begins at `run_start`. A worker taking over a lost
  /// agent's share mid-run gets a later `resume_at`: it runs the schedule from that instant on
  /// (no catching up on what fell before) and its first report is that second's.
  void start(clock::time_point run_start, clock::time_point resume_at = {});
  /// Where a worker taking over a lost agent's share comes into the run.
  struct takeover_point {
    std::size_t first_phase = 0;  ///< the phases before it are over
    /// How much later than planned the phases from first_phase on start (phases that ended
    /// by iterations before them moved them).
    clock::duration shift{};
    /// The phase it comes into ends by iterations: it runs those the lost worker had not
    /// begun, between its users.
    std::optional<std::size_t> iterations_phase;
    std::uint64_t iterations_left = 0;
  };
  /// Before start(), for a takeover.
  void resume_from(const takeover_point& point) { takeover_ = point; }
  /// Before start(): where this worker meets the run's others at the end of each phase that
  /// ends by iterations (the next one starts when all are done). Without one, a worker goes on
  /// to the next phase when its own users are done.
  void meet_at(std::shared_ptr<phase_barrier> barrier) { barrier_ = std::move(barrier); }
  /// Graceful: no new iterations, requests in flight get a grace period, then are cut.
  /// Abort: connections are closed at once. Either way a final report follows.
  void stop(bool abort);
  void join();

 private:
  struct phase_state;

  boost::asio::awaitable<void> main_loop();
  boost::asio::awaitable<void> reporter();
  /// The main loop or the reporter threw: nothing recorded is lost and nothing hangs. The
  /// worker aborts its users, and its final report carries `why` (the run fails, exit 1).
  void on_fatal(std::exception_ptr failure, bool in_main_loop);
  /// After the main loop failed: waits for the users to leave, then sends the final report.
  boost::asio::awaitable<void> finish_after_failure();
  void start_phase(phase_state& ph);
  /// At the end of phase `index`, which ends by iterations: waits at the barrier until every
  /// worker is done, then shifts the next phases to the start it gives. False when stopped.
  boost::asio::awaitable<bool> meet_the_others(std::size_t index);
  /// Connections phases: opens this worker's share on schedule; the hold ends with the phase.
  void start_connections(phase_state& ph, const scenario::connections_model& model);
  boost::asio::awaitable<void> open_connections(phase_state& ph,
                                                const scenario::connections_model& model,
                                                std::uint64_t share);
  void end_connections(phase_state& ph);
  /// Closed phases: starts the users of the population phase `index` belongs to, unless they
  /// run since one of its earlier phases (worker_population.cpp).
  void start_population(std::size_t index);
  /// The first and last phase of the population phase `index` belongs to: the stretch of
  /// closed phases whose users go on from one to the next.
  std::size_t population_first(std::size_t index) const;
  std::size_t population_last(std::size_t index) const;
  /// A phase of another model: the population's users are gone, its idle ones closed.
  void end_population();
  /// User k of the population of phases first..last, through every phase it takes part in.
  boost::asio::awaitable<void> population_user(std::size_t first, std::size_t last,
                                               std::uint64_t k);
  /// Makes the states of phase `index` and of the phases its population goes on into.
  void add_phase_states(std::size_t index);
  /// Steps phases: user k of the most users of any step, in the steps that have more than k.
  boost::asio::awaitable<void> steps_user(phase_state& ph, std::uint64_t k);
  boost::asio::awaitable<void> throughput_connection(phase_state& ph, std::uint64_t k);
  boost::asio::awaitable<void> arrival_dispatcher(phase_state& ph);
  boost::asio::awaitable<void> open_iteration(phase_state& ph, std::unique_ptr<virtual_user> vu);
  /// An iteration is begin_iteration, run_flow over its scenario's flow, end_iteration (not a
  /// coroutine of its own: one frame less per iteration).
  const compiled_scenario& begin_iteration(virtual_user& vu);
  /// `complete`: the iteration ran every step; one that did not because its phase ended (or
  /// its graceful stop ran out) counts as interrupted.
  void end_iteration(virtual_user& vu, const compiled_scenario& sc, bool complete,
                     const flow_phase& ph);
  /// The graceful stop of phase `index` ran out: its users still busy are interrupted.
  void interrupt_users(std::size_t index);
  /// Ends what `vu` is doing: its connections are closed, and what fails because of that is
  /// no error.
  void interrupt(virtual_user& vu);
  /// At the worker's end: no phase's graceful stop is left to wait for.
  void cancel_graceful_stops();
  /// The scenario has setup steps this user has not run to their end yet.
  static bool needs_setup(const virtual_user& vu, const compiled_scenario& sc);
  /// The iteration's steps (after the scenario's setup, the first time), by the flow
  /// interpreter.
  boost::asio::awaitable<bool> run_flow(virtual_user& vu, const compiled_scenario& sc,
                                        const flow_phase& ph);
  /// Sleeps until `when`, or less when the phase ends or the worker stops. True when the user
  /// should go on.
  boost::asio::awaitable<bool> sleep_until(virtual_user& vu, clock::time_point when,
                                           const flow_phase& ph);

  std::unique_ptr<virtual_user> make_user(std::uint64_t id);
  /// User k of a closed or steps population: a scenario's fixed_users claim some of them.
  std::unique_ptr<virtual_user> make_closed_user(std::uint64_t k);
  void assign_data_row(virtual_user& vu);
  const compiled_scenario& pick_scenario();
  bool active(const flow_phase& ph) const;
  void begin_stop(bool abort);
  void close_all_sessions();
  /// Runs a user coroutine, counted in running_ until it returns.
  void spawn(boost::asio::awaitable<void> user);
  void send_report(bool final);
  void sample_gauges() { flow_.sample_gauges(); }
  metrics::metric_set& metrics() { return current_; }

  std::uint32_t index_;
  std::uint32_t count_;
  std::shared_ptr<const run_plan> plan_;
  report_sink sink_;
  /// Sockets are only touched on this thread, so per-descriptor locking is off; posts from
  /// other threads (stop, reports) still go through the locked scheduler queue.
  boost::asio::io_context ctx_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::thread thread_;
  clock::time_point run_start_{};
  clock::time_point resume_at_{};  ///< nothing scheduled before this runs
  std::shared_ptr<phase_barrier> barrier_;
  takeover_point takeover_;
  /// How much later than planned the phases from the current one on start: phases that end by
  /// iterations end when they are done, not at a planned time.
  clock::duration shift_{};
  /// Set on this thread when the barrier releases the phase the worker waits at the end of.
  std::optional<clock::time_point> released_start_;
  net::connector connector_;
  session_factory make_session_;

  metrics::metric_set current_;
  std::int64_t interval_index_ = 0;
  std::size_t current_phase_ = 0;

  std::vector<std::unique_ptr<phase_state>> phases_;
  boost::intrusive::list<virtual_user, boost::intrusive::constant_time_size<false>> live_users_;
  boost::asio::steady_timer main_timer_;
  boost::asio::steady_timer idle_timer_;
  boost::asio::steady_timer report_timer_;
  /// Closed users between the phases of their population, by slot (user k = index_ + slot *
  /// count_); a user's coroutine holds it while it runs.
  std::vector<std::unique_ptr<virtual_user>> population_;
  /// The first phase of the population whose users were started.
  std::optional<std::size_t> population_running_;
  std::uint64_t running_ = 0;       ///< user coroutines alive
  std::uint64_t active_users_ = 0;  ///< users alive (closed) or iterations running (open)
  std::uint64_t open_connections_ = 0;
  std::uint64_t next_user_id_ = 0;
  /// When the load ended (the last phase, or a stop) and the graceful stop began.
  std::optional<clock::time_point> load_end_;
  bool stopping_ = false;
  bool aborting_ = false;
  bool finished_ = false;
  std::string fatal_;  ///< why the worker failed; empty while it has not

  std::mt19937_64 rng_;
  /// What users do; declared after everything it refers to.
  flow_interpreter flow_;
  std::vector<std::int64_t> scenario_credit_;  ///< smooth weighted round-robin state
  std::vector<std::size_t> data_rows_;         ///< this worker's CSV rows
  std::size_t next_data_row_ = 0;
};

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// The controller's runs: splits a stored campaign over healthy idle agents, sends each its
// share with one start instant, merges their reports through the run_recorder every run
// shares, applies the campaign's on_agent_loss policy when an agent goes quiet, and lets the
// CLI watch, stop and read runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/support/status.h>

#include "control/agent_link.hpp"
#include "control/agent_registry.hpp"
#include "control/call_error.hpp"
#include "control/controller_outputs.hpp"
#include "control/monitor_hub.hpp"
#include "engine/run_recorder.hpp"
#include "stampede/control/v1/control.pb.h"
#include "storage/results_db.hpp"

namespace stampede::control {

/// Thread-safety: every public member may be called from any thread. `mutex` is the one the
/// control service holds around `db` and `agents`; the manager takes it itself.
class run_manager {
 public:
  /// `monitors`: the system under test's, whose samples every run records.
  run_manager(std::mutex& mutex, storage::results_db& db, agent_registry& agents,
              std::shared_ptr<const monitor_hub> monitors);
  /// `controller --out` and the campaigns' `outputs:`; may be null. Outlives the manager.
  void set_outputs(controller_outputs* outputs) { outputs_ = outputs; }
  /// How long agents go on without the controller before they stop by themselves.
  void set_lease(std::chrono::milliseconds lease) { lease_ms_ = lease.count(); }
  ~run_manager();
  run_manager(const run_manager&) = delete;
  run_manager& operator=(const run_manager&) = delete;

  /// Starts stored campaign `campaign` on `agent_count` healthy idle agents (0: all of them),
  /// read with `parameters` (the values of its {{env.NAME}}, by NAME) and `target` (replaces
  /// its own when not empty). Throws call_error with the status to answer.
  v1::RunInfo start(const std::string& campaign, std::uint32_t agent_count,
                    const std::string& command,
                    const std::map<std::string, std::string>& parameters = {},
                    const std::string& target = "");
  /// Asks the run's agents to stop (abort: at once); the run ends when they have reported.
  v1::RunInfo stop(std::int64_t run_id, bool abort);
  /// A run in memory or in the database.
  std::optional<v1::RunInfo> get(std::int64_t run_id);
  std::vector<v1::RunInfo> list(std::size_t limit);
  /// Ids of runs in progress.
  std::vector<std::string> running();
  /// Sends the run's events (progress once a second, notices, then its end) to `write` until
  /// the run ends, `write` fails or `cancelled` says so. NOT_FOUND for an unknown run.
  grpc::Status watch(std::int64_t run_id, const std::function<bool(const v1::RunEvent&)>& write,
                     const std::function<bool()>& cancelled);

  /// An agent's stream opened or closed (agent sessions call these).
  void link_opened(const std::string& agent, std::shared_ptr<agent_link> link);
  void link_closed(const std::string& agent, const std::shared_ptr<agent_link>& link);
  /// A report from `agent`. True when it was taken (merged now or before: acknowledge it).
  bool on_report(const std::string& agent, const v1::IntervalReport& report);
  void on_assignment_failed(const std::string& agent, const v1::AssignmentFailed& failed);
  /// A worker of `agent` finished a phase that ends by iterations (run_manager_phases.cpp).
  void on_phase_done(const std::string& agent, const v1::PhaseDone& done);
  /// A heartbeat with the agent's clock estimate. An agent that had been given up for lost
  /// (paused, cut off) is told to stop what it still runs.
  void on_heartbeat(const std::string& agent, std::int64_t offset_ms, std::int64_t round_trip_ms);
  /// The agent's last (offset, round trip), when it reported one.
  std::optional<std::pair<std::int64_t, std::int64_t>> clock_of(const std::string& agent);

 private:
  struct member {
    std::string name;
    std::uint32_t first_worker = 0;
    std::uint32_t workers = 0;
    std::string state = "running";     ///< running, finished, lost, failed
    bool told_to_stop = false;         ///< lost, and sent a stop since it came back
    std::int64_t handed_over_at = -1;  ///< lost and rebalanced: the takeover's first second
  };
  struct run {
    std::int64_t id = 0;
    std::string campaign;
    std::string command;
    std::string campaign_text;
    std::string source_file;
    std::string data_text;  ///< its CSV data, for the agents
    /// The values of the campaign's {{env.NAME}} (only those it uses) and --target, for the
    /// agents' assignments: kept in memory only, never written to the database.
    std::map<std::string, std::string> parameters;
    std::string target;
    /// Restored after a controller restart, having been started with parameters or --target:
    /// their values are gone, so no agent can be given a share anew.
    bool parameters_lost = false;
    std::uint32_t total_workers = 0;
    std::unique_ptr<engine::run_recorder> recorder;
    std::vector<member> members;
    std::int64_t started_at_ms = 0;  ///< when it was started
    std::int64_t start_at_ms = 0;    ///< interval 0 begins (controller's unix ms)
    std::int64_t deadline_ms = 0;    ///< past this the run is overdue and ends (unix ms)
    /// The two instants above on the steady clock, placed when the run starts or is restored:
    /// what the monitor compares, so a step of the wall clock neither ends nor stretches a run.
    std::int64_t start_at_steady_ms = 0;
    std::int64_t deadline_steady_ms = 0;
    std::string status = "running";
    bool stop_sent = false;
    bool interrupted = false;  ///< stopped by `stampede stop` (or Ctrl-C on attach): exit 105
    /// Ended by the controller before its plan: past its deadline, or an agent lost under
    /// on_agent_loss: abort. Exit 1.
    bool cut_short = false;
    std::string failure;  ///< a worker failed on an agent (its cause): exit 1
    /// After a controller restart agents need a moment to reconnect before they count as lost
    /// (steady ms).
    std::int64_t grace_until_ms = 0;
    std::vector<v1::RunEvent> log;  ///< everything watchers are sent, in order
    /// Phases that end by iterations: the workers done with each, and once all are, when the
    /// next phase starts (controller unix ms).
    std::map<std::size_t, std::set<std::uint32_t>> arrivals;
    std::map<std::size_t, std::int64_t> releases;
    /// Each worker's latest phase and the iterations it began in it, from its reports.
    std::map<std::uint32_t, std::pair<std::size_t, std::uint64_t>> progress;
    /// A takeover's count replaces the plan's for its worker in that phase.
    std::map<std::uint32_t, std::pair<std::size_t, std::uint64_t>> budgets;
    std::optional<v1::RunInfo> finished;
  };

  /// Writes what a restarted controller needs to go on with the run.
  void persist(const run& r);
  /// Runs the database says were going on when this controller last stopped.
  void restore();
  void monitor();
  void check_agents(run& r, std::int64_t steady_now_ms);
  static void place_on_steady_clock(run& r);
  /// Throws when a restored run's state cannot be true (a damaged or foreign database).
  static void check_restored(const run& r);
  /// Marks `m` lost and applies the campaign's policy; returns the members that take over its
  /// workers (rebalance), for the caller to add.
  std::vector<member> lose_member(run& r, member& m, std::int64_t now_ms, const std::string& why);
  v1::ControllerMessage assignment_for(const run& r, const member& m) const;
  /// Releases every phase whose running workers have all arrived: the next phase starts on
  /// every agent at one instant.
  void release_phases(run& r);
  /// A takeover of `m`'s workers comes in where the run is now: after the phases that ended
  /// by iterations, with the iterations the lost workers had not begun.
  void place_takeover(run& r, const member& m, v1::Assignment& a);
  /// Notes the worker's progress in its phase, for a takeover.
  static void note_progress(run& r, const engine::interval_report& report);
  /// `report`, from `agent`, is the last its workers send: the agent's load is over.
  bool ends_agent(const run& r, const std::string& agent,
                  const engine::interval_report& report) const;
  void retire_member(run& r, member& m);
  void on_completed(run& r, const std::vector<engine::completed_interval>& done);
  /// Stops the run on every agent when an abort_on_fail threshold fails (exit 99).
  void check_abort_thresholds(run& r);
  void notice(run& r, const std::string& text);
  void finish_if_done(run& r);
  void finish(run& r);
  /// Tells every running member to stop at once (sent by the monitor), unless a stop was sent
  /// already and `after_a_stop` is false.
  void queue_abort(run& r, bool after_a_stop = false);
  void send(const std::string& agent, const v1::ControllerMessage& m);
  /// Stop messages for the runs `agent` was lost from while they go on.
  std::vector<v1::ControllerMessage> stops_for_lost(const std::string& agent);
  v1::RunInfo info(const run& r) const;
  v1::RunInfo info(const storage::run_record& rec) const;
  std::shared_ptr<agent_link> link_of(const std::string& agent) const;

  std::mutex& mutex_;
  storage::results_db& db_;
  agent_registry& agents_;
  std::shared_ptr<const monitor_hub> monitors_;
  controller_outputs* outputs_ = nullptr;
  std::condition_variable_any changed_;  ///< a run's log grew or it ended
  std::map<std::int64_t, std::unique_ptr<run>> runs_;
  std::map<std::string, std::shared_ptr<agent_link>> links_;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> clocks_;  ///< offset, rtt
  std::int64_t lease_ms_ = 60'000;
  /// Messages decided under the lock, sent by the monitor once it is released.
  std::vector<std::pair<std::string, v1::ControllerMessage>> pending_sends_;
  bool stopping_ = false;
  std::thread monitor_;
};

}  // namespace stampede::control

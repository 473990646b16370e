// SPDX-License-Identifier: Apache-2.0
// `stampede agent`: connects out to the controller, registers, heartbeats every second, runs
// its assignments and streams their reports, and reconnects when the controller goes away.
// Runs go on while the controller is away, for as long as its lease; reports wait in the
// outbox and are sent again on the next connection.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "control/assigned_run.hpp"
#include "control/clock_estimator.hpp"
#include "control/control_client.hpp"
#include "control/report_outbox.hpp"

namespace grpc {
class ClientContext;
}

namespace stampede::control {

struct agent_options {
  client_settings settings;
  std::string name;            ///< default: HOSTNAME-PID
  std::string spool_dir;       ///< default: /tmp/stampede-spool-NAME
  std::uint32_t protocol = 0;  ///< 0: this build's protocol version (tests set others)
};

/// Thread-safety: run() on one thread; stop() from any thread (a signal-waiting thread).
class agent_runner {
 public:
  explicit agent_runner(agent_options options);

  /// Runs until stop(); returns the process exit code (1 when the controller refuses us).
  int run();
  void stop();

 private:
  using stream = grpc::ClientReaderWriter<v1::AgentMessage, v1::ControllerMessage>;

  /// One session; returns false when the agent must exit (refused), true to reconnect.
  bool session(v1::Control::Stub& stub, int& exit_code);
  /// Writes heartbeats and reports until the stream breaks or the agent stops.
  void serve(stream& s);
  /// Handles what the controller sends (on the session's reader thread).
  void on_message(const v1::ControllerMessage& m, std::int64_t received_ms);
  void start_assignment(const v1::Assignment& a);
  /// Drops runs that are over and fully acknowledged; stops runs whose lease ran out.
  void tend_runs(std::int64_t steady_now_ms);
  void sleep_for(std::chrono::milliseconds d);

  agent_options options_;
  std::string token_;
  std::string ca_pem_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  grpc::ClientContext* current_ = nullptr;  ///< the session to cancel on stop()
  // Guarded by mutex_:
  clock_estimator clock_;
  report_outbox outbox_;
  std::map<std::int64_t, std::unique_ptr<assigned_run>> runs_;
  std::map<std::int64_t, std::int64_t> leases_;  ///< run -> lease length, ms
  std::int64_t last_contact_ms_ = 0;             ///< last message from the controller, steady ms
  std::vector<v1::AssignmentFailed> failures_;   ///< to tell the controller
  std::vector<v1::PhaseDone> arrivals_;          ///< workers done with a phase, to tell it
};

}  // namespace stampede::control

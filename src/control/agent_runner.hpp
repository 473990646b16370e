// SPDX-License-Identifier: Apache-2.0
// `stampede agent`: connects out to the controller, registers, heartbeats every second, and
// reconnects when the controller goes away.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "control/control_client.hpp"

namespace grpc {
class ClientContext;
}

namespace stampede::control {

struct agent_options {
  client_settings settings;
  std::string name;            ///< default: HOSTNAME-PID
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
  /// One session; returns false when the agent must exit (refused), true to reconnect.
  bool session(v1::Control::Stub& stub, int& exit_code);
  void sleep_for(std::chrono::milliseconds d);

  agent_options options_;
  std::string token_;
  std::string ca_pem_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  grpc::ClientContext* current_ = nullptr;  ///< the session to cancel on stop()
};

}  // namespace stampede::control

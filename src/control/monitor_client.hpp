// SPDX-License-Identifier: Apache-2.0
// `stampede monitor`'s side of MonitorSession: samples the system under test once a second and
// streams the samples to the controller, connecting again when the controller goes away. It
// holds the monitor token only: it can stream samples and nothing else.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "control/control_client.hpp"
#include "monitor/sut_sampler.hpp"

namespace grpc {
class ClientContext;
}

namespace stampede::control {

struct monitor_options {
  client_settings settings;
  monitor::sut_target target;  ///< its name: the series' name on the controller
};

class monitor_client {
 public:
  /// Reads the token and the CA; throws std::runtime_error naming the file.
  explicit monitor_client(monitor_options options);
  ~monitor_client();

  /// Streams until stop(). 0 once stopped; 1 when the controller refuses the token or the
  /// name (trying again would not help).
  int run();
  /// From any thread (a signal's).
  void stop();

 private:
  /// One session: false when it ended and another should be tried, true when run() is over
  /// (`exit` says how).
  bool session(int& exit);
  /// Waits until the next whole second of the clock, or stop(); false on stop().
  bool wait_for_next_second();

  monitor_options options_;
  std::string token_;
  std::unique_ptr<v1::Control::Stub> stub_;
  monitor::sut_sampler sampler_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
  grpc::ClientContext* live_ = nullptr;  ///< the session's, to cancel on stop()
};

}  // namespace stampede::control

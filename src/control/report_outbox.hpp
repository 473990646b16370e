// SPDX-License-Identifier: Apache-2.0
// An agent's reports on their way to the controller: each is kept until the controller
// acknowledges it, and everything unacknowledged is sent again on the next connection, so a
// controller restart or a broken stream loses nothing (the controller merges each once).
// With a spool directory every kept report is also a file there, so a long outage does not
// grow the agent's memory and an agent restarted after a crash sends what it had left.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "stampede/control/v1/control.pb.h"

namespace stampede::control {

/// Thread-safety: none; the agent uses it under its lock.
class report_outbox {
 public:
  /// In memory only.
  report_outbox() = default;
  /// Spools to `dir` (created if missing) and takes over the reports already there. Throws
  /// std::runtime_error naming the directory when it cannot be used.
  explicit report_outbox(std::string dir);

  void push(v1::IntervalReport report);
  /// Reports not yet sent on this connection, oldest first; they count as sent now.
  std::vector<v1::IntervalReport> take_unsent();
  void acknowledge(std::int64_t run_id, std::uint32_t worker, std::int64_t index);
  /// A new connection: every unacknowledged report is to be sent again.
  void resend_all();
  std::size_t unacknowledged() const { return kept_.size(); }
  std::size_t unacknowledged(std::int64_t run_id) const;
  bool has_unsent() const { return !unsent_.empty(); }

 private:
  using key = std::tuple<std::int64_t, std::uint32_t, std::int64_t>;  ///< run, worker, index
  std::string file_of(const key& k) const;

  std::string dir_;  ///< empty: no spool
  std::map<key, v1::IntervalReport> kept_;
  std::deque<key> unsent_;
};

}  // namespace stampede::control

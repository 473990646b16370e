// SPDX-License-Identifier: Apache-2.0
// The agents a controller knows: who is connected, when each last sent a heartbeat, and what
// each works on. Health is derived from heartbeats, so a paused agent shows as lost too.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stampede::control {

/// An agent whose last heartbeat is older than this is lost.
inline constexpr std::int64_t agent_loss_ms = 3000;

struct agent_state {
  std::string name;
  std::uint32_t cores = 0;
  std::uint64_t open_files = 0;
  std::string version;
  std::string peer;
  bool connected = false;
  std::int64_t first_seen_ms = 0;      ///< unix ms
  std::int64_t last_heartbeat_ms = 0;  ///< unix ms, for listings
  /// Steady ms of the last heartbeat: health is judged on the steady clock, so a step of the
  /// wall clock loses no agent.
  std::int64_t last_heartbeat_steady_ms = std::numeric_limits<std::int64_t>::min() / 2;
  std::string assignment;

  bool healthy(std::int64_t steady_now_ms) const {
    return connected && steady_now_ms - last_heartbeat_steady_ms <= agent_loss_ms;
  }
};

/// Thread-safety: none; the control service uses it under its lock.
class agent_registry {
 public:
  /// Registers a connecting agent; returns a refusal reason when a healthy agent already has
  /// the name (a stale one, lost or disconnected, is replaced).
  std::optional<std::string> connect(agent_state agent, std::int64_t unix_now_ms,
                                     std::int64_t steady_now_ms);
  void heartbeat(const std::string& name, std::int64_t unix_now_ms, std::int64_t steady_now_ms);
  void disconnect(const std::string& name);
  /// What the agent works on ("run 12"), or empty when idle.
  void assign(const std::string& name, std::string assignment);
  /// Remembers agents seen before this controller started (from its database), as offline.
  void remember(agent_state agent);

  std::vector<agent_state> list() const;
  std::uint32_t healthy_count(std::int64_t steady_now_ms) const;
  const agent_state* find(const std::string& name) const;

 private:
  std::map<std::string, agent_state> agents_;
};

}  // namespace stampede::control

// SPDX-License-Identifier: Apache-2.0
#include "control/agent_registry.hpp"

namespace stampede::control {

std::optional<std::string> agent_registry::connect(agent_state agent, std::int64_t unix_now_ms,
                                                   std::int64_t steady_now_ms) {
  auto it = agents_.find(agent.name);
  if (it != agents_.end() && it->second.healthy(steady_now_ms)) {
    return "an agent named '" + agent.name + "' is already connected (from " + it->second.peer +
           "); give each agent its own --name";
  }
  agent.connected = true;
  agent.last_heartbeat_ms = unix_now_ms;
  agent.last_heartbeat_steady_ms = steady_now_ms;
  agent.first_seen_ms =
      it != agents_.end() && it->second.first_seen_ms != 0 ? it->second.first_seen_ms : unix_now_ms;
  agents_[agent.name] = std::move(agent);
  return std::nullopt;
}

void agent_registry::heartbeat(const std::string& name, std::int64_t unix_now_ms,
                               std::int64_t steady_now_ms) {
  if (auto it = agents_.find(name); it != agents_.end()) {
    it->second.last_heartbeat_ms = unix_now_ms;
    it->second.last_heartbeat_steady_ms = steady_now_ms;
  }
}

void agent_registry::disconnect(const std::string& name) {
  if (auto it = agents_.find(name); it != agents_.end()) {
    it->second.connected = false;
  }
}

void agent_registry::assign(const std::string& name, std::string assignment) {
  if (auto it = agents_.find(name); it != agents_.end()) {
    it->second.assignment = std::move(assignment);
  }
}

void agent_registry::remember(agent_state agent) {
  agent.connected = false;
  agents_.try_emplace(agent.name, std::move(agent));
}

std::vector<agent_state> agent_registry::list() const {
  std::vector<agent_state> out;
  for (const auto& [name, a] : agents_) {
    out.push_back(a);
  }
  return out;
}

std::uint32_t agent_registry::healthy_count(std::int64_t steady_now_ms) const {
  std::uint32_t n = 0;
  for (const auto& [name, a] : agents_) {
    n += a.healthy(steady_now_ms) ? 1 : 0;
  }
  return n;
}

const agent_state* agent_registry::find(const std::string& name) const {
  auto it = agents_.find(name);
  return it == agents_.end() ? nullptr : &it->second;
}

}  // namespace stampede::control

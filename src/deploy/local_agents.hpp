// SPDX-License-Identifier: Apache-2.0
// `stampede agents up --local N` and `agents down`: agent processes on this machine, each its
// own process (so each has its own open-file limit: the way one machine goes past it), in its
// own session (a Ctrl-C in the terminal that started them does not stop them), logging to a
// file. A state directory remembers them so `agents down` stops exactly those.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace stampede::deploy {

/// An agent `agents up` started, here or on a host over ssh.
struct agent_process {
  std::string name;
  pid_t pid = 0;
  std::string log;                       ///< its stdout and stderr (on its host)
  std::string host;                      ///< user@host for agents started over ssh; empty here
  std::vector<std::string> ssh_options;  ///< given to ssh as -o VALUE to reach `host` again
};

struct agent_launch {
  std::string binary;  ///< the stampede executable
  std::string controller;
  std::string token_file;  ///< absolute, as agents run from another directory
  std::string ca_file;
};

/// Starts `count` agents named PREFIX-K, numbering on from those already recorded in
/// `state_dir`, and records them. Throws std::runtime_error when one cannot be started.
std::vector<agent_process> start_local_agents(const agent_launch& launch, std::uint32_t count,
                                              const std::string& prefix,
                                              const std::string& state_dir);

/// Stops every agent recorded in `state_dir`, here and over ssh: SIGTERM, then SIGKILL for
/// those still there after `grace`. A recorded PID that is no longer that agent (it exited and
/// the PID was reused) is left alone. Returns the agents that were running and were stopped.
std::vector<agent_process> stop_local_agents(const std::string& state_dir,
                                             std::chrono::milliseconds grace);

/// The agents recorded in `state_dir` (none when it has no record yet).
std::vector<agent_process> read_local_agents(const std::string& state_dir);
void write_local_agents(const std::string& state_dir, const std::vector<agent_process>& agents);

/// True when `pid` is a running `stampede agent --name NAME`.
bool is_local_agent(pid_t pid, const std::string& name);

}  // namespace stampede::deploy

// SPDX-License-Identifier: Apache-2.0
// `stampede agents up --ssh user@host[,...]`: copies this binary and the controller's token and
// CA to each host with scp, starts agents there with ssh (detached, logging to a file), and
// records them so `agents down` stops them over ssh again. Uses the system's ssh client, with
// its configuration, keys and known hosts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deploy/local_agents.hpp"

namespace stampede::deploy {

struct ssh_targets {
  std::vector<std::string> hosts;        ///< user@host or host
  std::vector<std::string> ssh_options;  ///< each passed as -o VALUE to ssh and scp
  std::string remote_dir = "/tmp/stampede-agents";
  std::uint32_t per_host = 1;
};

/// Starts `per_host` agents on every host, named HOST-K (the host part of user@host), and
/// records them in `state_dir`. Throws std::runtime_error naming the host and the command's
/// output when a step fails; agents started before that stay recorded.
std::vector<agent_process> start_ssh_agents(const agent_launch& launch, const ssh_targets& targets,
                                            const std::string& state_dir);

/// Asks `a.host` to stop `a` (SIGKILL when `force`), only if that PID is still that agent.
/// True when it was running.
bool signal_ssh_agent(const agent_process& a, bool force);
/// True when `a` still runs on its host.
bool ssh_agent_running(const agent_process& a);

/// The arguments that run `command` on `host` with `options`.
std::vector<std::string> ssh_command(const std::string& host,
                                     const std::vector<std::string>& options,
                                     const std::string& command);

/// `text` quoted for a POSIX shell.
std::string shell_quote(const std::string& text);

}  // namespace stampede::deploy

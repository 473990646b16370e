// SPDX-License-Identifier: Apache-2.0
#include "deploy/ssh_agents.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "deploy/command.hpp"

namespace stampede::deploy {
namespace {

std::vector<std::string> with_options(std::vector<std::string> head,
                                      const std::vector<std::string>& options) {
  // Never prompt: a deployer runs unattended and must fail rather than hang on a password.
  head.insert(head.end(), {"-o", "BatchMode=yes"});
  for (const auto& o : options) {
    head.insert(head.end(), {"-o", o});
  }
  return head;
}

command_result checked(const std::vector<std::string>& argv, const std::string& host,
                       const std::string& what) {
  auto r = run_command(argv);
  if (r.exit_code != 0) {
    throw std::runtime_error(
        fmt::format("{} on {} failed (exit {}): {}", what, host, r.exit_code, r.output));
  }
  return r;
}

std::string host_name(const std::string& host) {
  const auto at = host.find('@');
  return at == std::string::npos ? host : host.substr(at + 1);
}

/// Shell text that is true when PID runs `stampede agent ... --name NAME`.
std::string is_agent_test(const agent_process& a) {
  return fmt::format("tr '\\0' '\\n' < /proc/{}/cmdline 2>/dev/null | grep -qxF -- {}", a.pid,
                     shell_quote(a.name));
}

}  // namespace

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

std::vector<std::string> ssh_command(const std::string& host,
                                     const std::vector<std::string>& options,
                                     const std::string& command) {
  auto argv = with_options({"ssh"}, options);
  argv.push_back(host);
  argv.push_back(command);
  return argv;
}

std::vector<agent_process> start_ssh_agents(const agent_launch& launch, const ssh_targets& targets,
                                            const std::string& state_dir) {
  auto recorded = read_local_agents(state_dir);
  std::vector<agent_process> started;
  const auto& dir = targets.remote_dir;
  for (const auto& host : targets.hosts) {
    checked(ssh_command(host, targets.ssh_options, "mkdir -p " + shell_quote(dir)), host,
            "creating " + dir);
    auto scp = with_options({"scp", "-q"}, targets.ssh_options);
    scp.insert(scp.end(), {launch.binary, launch.token_file, launch.ca_file});
    scp.push_back(host + ":" + dir + "/");
    checked(scp, host, "copying stampede, the token and the CA");
    const auto remote = [&](const std::string& file) { return shell_quote(dir + "/" + file); };
    const auto binary = launch.binary.substr(launch.binary.rfind('/') + 1);
    const auto token = launch.token_file.substr(launch.token_file.rfind('/') + 1);
    const auto ca = launch.ca_file.substr(launch.ca_file.rfind('/') + 1);
    for (std::uint32_t k = 1; k <= targets.per_host; ++k) {
      agent_process a;
      a.name = fmt::format("{}-{}", host_name(host), k);
      a.host = host;
      a.ssh_options = targets.ssh_options;
      a.log = dir + "/" + a.name + ".log";
      // setsid: the agent outlives the ssh session; the shell prints its PID and returns.
      const auto command = fmt::format(
          "setsid {} agent --controller {} --token-file {} --ca {} --name {} --spool {} "
          "> {} 2>&1 < /dev/null & echo $!",
          remote(binary), shell_quote(launch.controller), remote(token), remote(ca),
          shell_quote(a.name), remote(a.name + ".spool"), shell_quote(a.log));
      const auto r =
          checked(ssh_command(host, targets.ssh_options, command), host, "starting " + a.name);
      try {
        a.pid = static_cast<pid_t>(std::stol(r.output));
      } catch (const std::exception&) {
        throw std::runtime_error(
            fmt::format("starting {} on {}: expected its PID, got '{}'", a.name, host, r.output));
      }
      started.push_back(a);
      recorded.push_back(a);
      write_local_agents(state_dir, recorded);
    }
  }
  return started;
}

bool signal_ssh_agent(const agent_process& a, bool force) {
  const auto command = fmt::format("if {}; then kill -{} {}; else exit 3; fi", is_agent_test(a),
                                   force ? "KILL" : "TERM", a.pid);
  return run_command(ssh_command(a.host, a.ssh_options, command)).exit_code == 0;
}

bool ssh_agent_running(const agent_process& a) {
  return run_command(ssh_command(a.host, a.ssh_options, is_agent_test(a))).exit_code == 0;
}

}  // namespace stampede::deploy

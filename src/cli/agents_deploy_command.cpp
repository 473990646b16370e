// SPDX-License-Identifier: Apache-2.0
// Deployers: `stampede agents up --local N`, `agents down` and
// `agents manifest --kubernetes --replicas N`.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/controller_connection.hpp"
#include "control/credentials.hpp"
#include "deploy/kubernetes_manifest.hpp"
#include "deploy/local_agents.hpp"
#include "deploy/ssh_agents.hpp"

namespace stampede::cli {
namespace {

namespace fs = std::filesystem;

/// How long `agents up` waits for the agents it started to register.
constexpr auto registration_wait = std::chrono::seconds(15);

/// Waits until every name in `names` is a healthy agent of the controller; the missing ones.
std::vector<std::string> wait_registered(control::control_client& client,
                                         std::vector<std::string> names) {
  const auto deadline = std::chrono::steady_clock::now() + registration_wait;
  while (true) {
    const auto reply = client.list_agents();
    std::erase_if(names, [&](const std::string& n) {
      return std::any_of(reply.agents().begin(), reply.agents().end(),
                         [&](const auto& a) { return a.name() == n && a.connected(); });
    });
    if (names.empty() || std::chrono::steady_clock::now() >= deadline) {
      return names;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

void add_agents_deploy_commands(CLI::App& agents, int& exit) {
  struct up_flags {
    control::client_settings settings;
    std::uint32_t local = 0;
    std::string prefix = "local";
    std::string state = "stampede-agents";
    std::vector<std::string> ssh_hosts;
    deploy::ssh_targets ssh;
  };
  auto up = std::make_shared<up_flags>();
  auto* up_cmd = agents.add_subcommand(
      "up",
      "Start agents for a controller: here, one process each (--local N), or on other hosts "
      "over ssh (--ssh user@host,...)");
  auto* local_opt =
      up_cmd->add_option("--local", up->local, "How many agent processes to start here")
          ->check(CLI::Range(1u, 10000u));
  auto* ssh_opt = up_cmd
                      ->add_option("--ssh", up->ssh_hosts,
                                   "Hosts to start agents on (user@host, comma-separated): the "
                                   "binary, token and CA are copied with scp")
                      ->delimiter(',');
  local_opt->excludes(ssh_opt);
  up_cmd->add_option("--per-host", up->ssh.per_host, "With --ssh: agents on each host (default 1)")
      ->check(CLI::Range(1u, 1000u));
  up_cmd->add_option("--ssh-option", up->ssh.ssh_options,
                     "With --ssh: an ssh option for ssh and scp, as -o takes it (Port=2222, "
                     "IdentityFile=key); repeatable");
  up_cmd->add_option("--remote-dir", up->ssh.remote_dir,
                     "With --ssh: where the binary, logs and spools go on each host (default "
                     "/tmp/stampede-agents)");
  up_cmd->add_option("--prefix", up->prefix, "Agents are named PREFIX-1, PREFIX-2, ...");
  up_cmd->add_option("--state", up->state,
                     "Directory recording the agents, their logs and spools (default "
                     "./stampede-agents)");
  add_connection_flags(up_cmd, up->settings);
  up_cmd->callback([up, &exit] {
    exit = with_client(up->settings, [&](control::control_client& client) {
      deploy::agent_launch launch;
      launch.binary = fs::read_symlink("/proc/self/exe").string();
      launch.controller = up->settings.controller;
      launch.token_file = fs::absolute(up->settings.token_file).string();
      launch.ca_file = fs::absolute(up->settings.ca_file).string();
      if (up->local == 0 && up->ssh_hosts.empty()) {
        throw std::invalid_argument("agents up: give --local N or --ssh user@host,...");
      }
      std::vector<deploy::agent_process> started;
      if (up->local > 0) {
        started = deploy::start_local_agents(launch, up->local, up->prefix, up->state);
      } else {
        up->ssh.hosts = up->ssh_hosts;
        started = deploy::start_ssh_agents(launch, up->ssh, up->state);
      }
      std::vector<std::string> names;
      for (const auto& a : started) {
        names.push_back(a.name);
        std::cout << fmt::format("started {} (pid {}{}, log {})\n", a.name, a.pid,
                                 a.host.empty() ? "" : " on " + a.host, a.log);
      }
      std::cout << std::flush;
      const auto missing = wait_registered(client, names);
      if (!missing.empty()) {
        std::cerr << fmt::format(
            "stampede: {} of {} agents did not register within {} s; see "
            "their logs in {}\n",
            missing.size(), names.size(), registration_wait.count(), up->state);
        return exit_code::runtime_failure;
      }
      std::cout << fmt::format(
          "{} agent{} registered with {}; stop them with stampede agents "
          "down\n",
          names.size(), names.size() == 1 ? "" : "s", up->settings.controller);
      return exit_code::ok;
    });
  });

  auto state = std::make_shared<std::string>("stampede-agents");
  auto* down_cmd =
      agents.add_subcommand("down", "Stop the agents `agents up` started, here and over ssh");
  down_cmd->add_option("--state", *state, "The directory given to agents up");
  down_cmd->callback([state, &exit] {
    try {
      const auto stopped = deploy::stop_local_agents(*state, std::chrono::seconds(10));
      for (const auto& a : stopped) {
        std::cout << fmt::format("stopped {} (pid {}{})\n", a.name, a.pid,
                                 a.host.empty() ? "" : " on " + a.host);
      }
      if (stopped.empty()) {
        std::cout << "no agents running from " << *state << "\n";
      }
      exit = exit_code::ok;
    } catch (const std::exception& e) {
      std::cerr << "stampede: " << e.what() << "\n";
      exit = exit_code::runtime_failure;
    }
  });

  struct manifest_flags {
    control::client_settings settings;
    bool kubernetes = false;
    std::uint32_t replicas = 3;
    std::string image = "stampede:0.1.0";
    std::string namespace_;
  };
  auto m = std::make_shared<manifest_flags>();
  auto* manifest_cmd = agents.add_subcommand(
      "manifest", "Print the manifests that run agents for a controller (--kubernetes)");
  manifest_cmd->add_flag("--kubernetes", m->kubernetes, "Kubernetes: a Secret and a Deployment")
      ->required();
  manifest_cmd->add_option("--replicas", m->replicas, "How many agents (default 3)")
      ->check(CLI::Range(1u, 100000u));
  manifest_cmd->add_option("--image", m->image, "Container image (default stampede:0.1.0)");
  manifest_cmd->add_option("--namespace", m->namespace_, "Kubernetes namespace");
  add_connection_flags(manifest_cmd, m->settings);
  manifest_cmd->callback([m, &exit] {
    try {
      m->settings.complete_from_environment();
      deploy::kubernetes_agents spec;
      spec.controller = m->settings.controller;
      spec.token = control::read_token(m->settings.token_file);
      spec.ca_pem = control::read_file(m->settings.ca_file);
      spec.replicas = m->replicas;
      spec.image = m->image;
      spec.namespace_ = m->namespace_;
      std::cout << deploy::kubernetes_agents_manifest(spec);
      exit = exit_code::ok;
    } catch (const std::invalid_argument& e) {
      std::cerr << "stampede: " << e.what() << "\n";
      exit = exit_code::usage_error;
    } catch (const std::exception& e) {
      std::cerr << "stampede: " << e.what() << "\n";
      exit = exit_code::runtime_failure;
    }
  });
}

}  // namespace stampede::cli

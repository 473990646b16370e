// SPDX-License-Identifier: Apache-2.0
#include "deploy/local_agents.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "deploy/command.hpp"
#include "deploy/ssh_agents.hpp"

namespace stampede::deploy {
namespace {

namespace fs = std::filesystem;

fs::path state_file(const std::string& dir) {
  return fs::path(dir) / "agents.json";
}

/// The K of PREFIX-K, or 0 when `name` is not one of ours.
std::uint32_t number_of(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() + 1 || name.compare(0, prefix.size(), prefix) != 0 ||
      name[prefix.size()] != '-') {
    return 0;
  }
  try {
    return static_cast<std::uint32_t>(std::stoul(name.substr(prefix.size() + 1)));
  } catch (const std::exception&) {
    return 0;
  }
}

pid_t spawn_agent(const agent_launch& launch, const std::string& name, const std::string& log,
                  const std::string& spool) {
  try {
    return start_detached(
        {launch.binary, "agent", "--controller", launch.controller, "--token-file",
         launch.token_file, "--ca", launch.ca_file, "--name", name, "--spool", spool},
        log);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("agent {}: {}", name, e.what()));
  }
}

bool alive(pid_t pid) {
  // Reaps it first when it is our own child that exited.
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == pid) {
    return false;
  }
  return ::kill(pid, 0) == 0;
}

}  // namespace

bool is_local_agent(pid_t pid, const std::string& name) {
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  if (!in) {
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> args;
  std::string arg;
  for (char c : text.str()) {
    if (c == '\0') {
      args.push_back(arg);
      arg.clear();
    } else {
      arg.push_back(c);
    }
  }
  const bool agent = args.size() > 1 && args[1] == "agent";
  const auto it = std::find(args.begin(), args.end(), "--name");
  return agent && it != args.end() && std::next(it) != args.end() && *std::next(it) == name;
}

std::vector<agent_process> read_local_agents(const std::string& state_dir) {
  std::ifstream in(state_file(state_dir));
  if (!in) {
    return {};
  }
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("agents")) {
    throw std::runtime_error(
        fmt::format("{} is not a stampede agents record", state_file(state_dir).string()));
  }
  std::vector<agent_process> out;
  for (const auto& a : j["agents"]) {
    out.push_back({a.at("name").get<std::string>(), a.at("pid").get<pid_t>(),
                   a.at("log").get<std::string>(), a.value("host", ""),
                   a.value("ssh_options", std::vector<std::string>{})});
  }
  return out;
}

void write_local_agents(const std::string& state_dir, const std::vector<agent_process>& agents) {
  fs::create_directories(state_dir);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : agents) {
    nlohmann::json entry = {{"name", a.name}, {"pid", a.pid}, {"log", a.log}};
    if (!a.host.empty()) {
      entry["host"] = a.host;
      entry["ssh_options"] = a.ssh_options;
    }
    list.push_back(std::move(entry));
  }
  const auto path = state_file(state_dir);
  {
    std::ofstream out(path.string() + ".tmp");
    out << nlohmann::json{{"agents", list}}.dump(2) << "\n";
    if (!out) {
      throw std::runtime_error(fmt::format("cannot write {}", path.string()));
    }
  }
  fs::rename(path.string() + ".tmp", path);
}

std::vector<agent_process> start_local_agents(const agent_launch& launch, std::uint32_t count,
                                              const std::string& prefix,
                                              const std::string& state_dir) {
  fs::create_directories(state_dir);
  auto recorded = read_local_agents(state_dir);
  // Forget agents that are gone, so their names can be taken again.
  std::erase_if(recorded, [](const agent_process& a) {
    return a.host.empty() && !is_local_agent(a.pid, a.name);
  });
  std::uint32_t next = 1;
  for (const auto& a : recorded) {
    if (a.host.empty()) {
      next = std::max(next, number_of(a.name, prefix) + 1);
    }
  }
  const auto dir = fs::absolute(state_dir);
  std::vector<agent_process> started;
  for (std::uint32_t i = 0; i < count; ++i) {
    agent_process a;
    a.name = fmt::format("{}-{}", prefix, next + i);
    a.log = (dir / (a.name + ".log")).string();
    a.pid = spawn_agent(launch, a.name, a.log, (dir / (a.name + ".spool")).string());
    started.push_back(a);
    recorded.push_back(a);
    write_local_agents(state_dir, recorded);  // after each: a failure later keeps the record
  }
  return started;
}

std::vector<agent_process> stop_local_agents(const std::string& state_dir,
                                             std::chrono::milliseconds grace) {
  const auto recorded = read_local_agents(state_dir);
  std::vector<agent_process> running;
  for (const auto& a : recorded) {
    const bool here = a.host.empty();
    if (here ? is_local_agent(a.pid, a.name) : signal_ssh_agent(a, false)) {
      if (here) {
        ::kill(a.pid, SIGTERM);
      }
      running.push_back(a);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto still = running;
  const auto gone = [](const agent_process& a) {
    if (!a.host.empty()) {
      return !ssh_agent_running(a);
    }
    return !alive(a.pid) || !is_local_agent(a.pid, a.name);
  };
  while (!still.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::erase_if(still, gone);
  }
  for (const auto& a : still) {
    if (a.host.empty()) {
      ::kill(a.pid, SIGKILL);
    } else {
      signal_ssh_agent(a, true);
    }
  }
  write_local_agents(state_dir, {});
  return running;
}

}  // namespace stampede::deploy

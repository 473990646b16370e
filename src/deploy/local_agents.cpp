// SPDX-License-Identifier: Apache-2.0
#include "deploy/local_agents.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
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

extern char** environ;

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
  std::vector<std::string> args = {
      launch.binary,     "agent", "--controller", launch.controller, "--token-file",
      launch.token_file, "--ca",  launch.ca_file, "--name",          name,
      "--spool",         spool};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);

  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own session: not in the terminal's process group, so Ctrl-C there leaves it running.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, launch.binary.c_str(), &files, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw std::runtime_error(
        fmt::format("cannot start agent {} ({}): {}", name, launch.binary, std::strerror(rc)));
  }
  return pid;
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

std::vector<local_agent_process> read_local_agents(const std::string& state_dir) {
  std::ifstream in(state_file(state_dir));
  if (!in) {
    return {};
  }
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("agents")) {
    throw std::runtime_error(
        fmt::format("{} is not a stampede agents record", state_file(state_dir).string()));
  }
  std::vector<local_agent_process> out;
  for (const auto& a : j["agents"]) {
    out.push_back({a.at("name").get<std::string>(), a.at("pid").get<pid_t>(),
                   a.at("log").get<std::string>()});
  }
  return out;
}

void write_local_agents(const std::string& state_dir,
                        const std::vector<local_agent_process>& agents) {
  fs::create_directories(state_dir);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : agents) {
    list.push_back({{"name", a.name}, {"pid", a.pid}, {"log", a.log}});
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

std::vector<local_agent_process> start_local_agents(const agent_launch& launch, std::uint32_t count,
                                                    const std::string& prefix,
                                                    const std::string& state_dir) {
  fs::create_directories(state_dir);
  auto recorded = read_local_agents(state_dir);
  // Forget agents that are gone, so their names can be taken again.
  std::erase_if(recorded,
                [](const local_agent_process& a) { return !is_local_agent(a.pid, a.name); });
  std::uint32_t next = 1;
  for (const auto& a : recorded) {
    next = std::max(next, number_of(a.name, prefix) + 1);
  }
  const auto dir = fs::absolute(state_dir);
  std::vector<local_agent_process> started;
  for (std::uint32_t i = 0; i < count; ++i) {
    local_agent_process a;
    a.name = fmt::format("{}-{}", prefix, next + i);
    a.log = (dir / (a.name + ".log")).string();
    a.pid = spawn_agent(launch, a.name, a.log, (dir / (a.name + ".spool")).string());
    started.push_back(a);
    recorded.push_back(a);
    write_local_agents(state_dir, recorded);  // after each: a failure later keeps the record
  }
  return started;
}

std::vector<local_agent_process> stop_local_agents(const std::string& state_dir,
                                                   std::chrono::milliseconds grace) {
  const auto recorded = read_local_agents(state_dir);
  std::vector<local_agent_process> running;
  for (const auto& a : recorded) {
    if (is_local_agent(a.pid, a.name)) {
      ::kill(a.pid, SIGTERM);
      running.push_back(a);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto still = running;
  while (!still.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::erase_if(still, [](const local_agent_process& a) {
      return !alive(a.pid) || !is_local_agent(a.pid, a.name);
    });
  }
  for (const auto& a : still) {
    ::kill(a.pid, SIGKILL);
  }
  write_local_agents(state_dir, {});
  return running;
}

}  // namespace stampede::deploy

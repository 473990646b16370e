// SPDX-License-Identifier: Apache-2.0
#include "monitor/sut_profiler.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "core/duration_text.hpp"
#include "core/unix_time.hpp"
#include "monitor/perf_folding.hpp"

extern char** environ;

namespace stampede::monitor {
namespace {

/// Runs `args` with stdout to `out` (or discarded) and stderr to `err`; its pid, or 0 with
/// errno set.
pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, out.empty() ? "/dev/null" : out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&files, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv;
  for (const auto& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) {
    errno = rc;
    return 0;
  }
  return pid;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// perf's own words for why it failed: its first line that is not a progress note.
std::string first_complaint(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.rfind("[ perf record", 0) != 0) {
      return line;
    }
  }
  return "no output";
}

}  // namespace

std::optional<profile_window> parse_profile_window(std::string_view text) {
  const auto at = text.find('@');
  const auto length = core::parse_duration(text.substr(0, at));
  if (!length || length->count() <= 0) {
    return std::nullopt;
  }
  profile_window w;
  w.length = std::chrono::duration_cast<std::chrono::milliseconds>(*length);
  if (at != std::string_view::npos) {
    const auto start = core::parse_duration(text.substr(at + 1));
    if (!start) {
      return std::nullopt;
    }
    w.start = std::chrono::duration_cast<std::chrono::milliseconds>(*start);
  }
  return w;
}

sut_profiler::sut_profiler(profile_window window, std::vector<pid_t> pids, std::string scratch_dir)
    : window_(window), pids_(std::move(pids)), dir_(std::move(scratch_dir)) {}

sut_profiler::~sut_profiler() {
  if (thread_.joinable()) {
    finish();
  }
}

std::string sut_profiler::perf_file() const {
  return dir_ + "/sut-profile.data";
}

void sut_profiler::begin() {
  thread_ = std::thread([this] { record(); });
}

void sut_profiler::record() {
  {
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, window_.start, [this] { return finishing_; })) {
      failure_ = "the run ended before the window began";
      return;
    }
  }
  std::string pid_list;
  for (const auto p : pids_) {
    pid_list += (pid_list.empty() ? "" : ",") + std::to_string(p);
  }
  const auto seconds = fmt::format("{:.3f}", static_cast<double>(window_.length.count()) / 1000.0);
  const auto err = dir_ + "/sut-profile.err";
  std::unique_lock lock(mutex_);
  if (pids_.empty()) {
    failure_ = "no process to record";
    return;
  }
  started_unix_ms_ = core::unix_ms();
  perf_ = spawn({"perf", "record", "-F", "99", "-g", "-k", "mono", "-p", pid_list, "-o",
                 perf_file(), "--", "sleep", seconds},
                "", err);
  if (perf_ == 0) {
    failure_ = errno == ENOENT ? "perf is not installed (Debian's linux-perf)"
                               : fmt::format("cannot start perf: {}", std::strerror(errno));
    return;
  }
  const pid_t pid = perf_;
  lock.unlock();
  int status = 0;
  ::waitpid(pid, &status, 0);
  lock.lock();
  perf_ = 0;
  ended_unix_ms_ = core::unix_ms();
  const bool stopped_early = finishing_;
  if (!stopped_early && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
    failure_ = "perf record failed: " + first_complaint(read_all(err));
  }
}

std::optional<profile_result> sut_profiler::finish() {
  {
    std::lock_guard lock(mutex_);
    finishing_ = true;
    if (perf_ != 0) {
      ::kill(perf_, SIGINT);  // perf writes what it has recorded and exits
    }
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  if (!failure_.empty()) {
    std::cerr << "stampede: --profile-sut: " << failure_ << "; the run has no profile\n";
    return std::nullopt;
  }
  const auto err = dir_ + "/sut-profile-script.err";
  const auto out = dir_ + "/sut-profile.txt";
  const pid_t script =
      spawn({"perf", "script", "-i", perf_file(), "-F", "comm,tid,time,ip,sym"}, out, err);
  int status = 0;
  if (script == 0 || ::waitpid(script, &status, 0) != script || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    std::cerr << "stampede: --profile-sut: perf script failed: " << first_complaint(read_all(err))
              << "; the run has no profile\n";
    return std::nullopt;
  }
  profile_result r;
  r.started_unix_ms = started_unix_ms_;
  // perf takes a moment to start and to write its file: the window is at most what was asked.
  r.duration_s = std::min(static_cast<double>(ended_unix_ms_ - started_unix_ms_),
                          static_cast<double>(window_.length.count())) /
                 1000.0;
  r.folded = fold_perf_script(read_all(out));
  for (const auto* file :
       {"/sut-profile.data", "/sut-profile.txt", "/sut-profile.err", "/sut-profile-script.err"}) {
    ::unlink((dir_ + file).c_str());
  }
  return r;
}

}  // namespace stampede::monitor

// SPDX-License-Identifier: Apache-2.0
#include "control/process_agent.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <limits>

#include <fmt/format.h>

#include "control/report_codec.hpp"

namespace stampede::control {

namespace {

/// Descriptors a child process keeps for itself, besides its connections: the binary, its
/// libraries, pipes, epoll instances, a results file.
constexpr std::uint64_t reserved_descriptors = 500;
/// A report larger than this on the pipe means the stream is broken.
constexpr std::uint32_t max_report_bytes = 256u << 20;

/// Repeats `io` (::read or ::write) until `size` bytes went through; false on an error or at
/// end of file before that.
template <typename Io, typename Byte>
bool transfer_all(Io io, int fd, Byte* p, std::size_t size) {
  while (size > 0) {
    const auto n = io(fd, p, size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, const void* data, std::size_t size) {
  return transfer_all(::write, fd, static_cast<const char*>(data), size);
}

bool read_all(int fd, void* data, std::size_t size) {
  return transfer_all(::read, fd, static_cast<char*>(data), size);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {}", WTERMSIG(status));
  }
  return fmt::format("exit {}", WEXITSTATUS(status));
}

/// The most connections any phase of `plan` may hold at once, as far as the plan says.
std::uint64_t connections_needed(const engine::run_plan& plan) {
  std::uint64_t most = 0;
  for (const auto& phase : plan.phases) {
    std::uint64_t n = 0;
    if (const auto* c = std::get_if<scenario::connections_model>(&phase.model)) {
      n = c->connections;
    } else if (const auto* closed = std::get_if<scenario::closed_model>(&phase.model)) {
      n = closed->users;
    } else if (const auto* steps = std::get_if<scenario::steps_model>(&phase.model)) {
      n = *std::max_element(steps->users.begin(), steps->users.end());
    } else if (const auto* tp = std::get_if<scenario::throughput_model>(&phase.model)) {
      n = tp->connections;
    } else if (const auto* open = std::get_if<scenario::open_model>(&phase.model)) {
      n = open->max_users.value_or(0);
    }
    most = std::max(most, n);
  }
  return most;
}

}  // namespace

process_agent::process_agent(std::shared_ptr<const engine::run_plan> plan, std::uint32_t processes,
                             std::uint32_t total, engine::report_sink sink,
                             process_failure_sink on_failure)
    : plan_(std::move(plan)),
      total_(total),
      sink_(std::move(sink)),
      on_failure_(std::move(on_failure)) {
  // A child that died leaves a pipe whose write would otherwise kill this process.
  ::signal(SIGPIPE, SIG_IGN);
  processes = std::max(1u, std::min(processes, total));
  std::uint32_t first = 0;
  for (std::uint32_t p = 0; p < processes; ++p) {
    auto c = std::make_unique<child>();
    c->first = first;
    c->count = total / processes + (p < total % processes ? 1 : 0);
    c->finished.assign(c->count, false);
    first += c->count;
    children_.push_back(std::move(c));
  }
}

process_agent::~process_agent() {
  stop(true);
  join();
}

std::uint32_t process_agent::auto_processes(const engine::run_plan& plan,
                                            std::uint64_t open_files_limit) {
  const auto usable = open_files_limit > 2 * reserved_descriptors
                          ? open_files_limit - reserved_descriptors
                          : std::max<std::uint64_t>(1, open_files_limit / 2);
  const auto needed = connections_needed(plan);
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(1, (needed + usable - 1) / usable));
}

void process_agent::start(std::chrono::steady_clock::time_point run_start) {
  std::cout.flush();
  std::cerr.flush();
  for (auto& c : children_) {
    int reports[2];
    int control[2];
    if (::pipe(reports) != 0 || ::pipe(control) != 0) {
      throw std::runtime_error(fmt::format("pipe for a worker process: {}", std::strerror(errno)));
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
    }
    if (pid == 0) {
      keep_only_descriptors(reports[1], control[0]);
      run_child(*c, reports[1], control[0], run_start);
    }
    ::close(reports[1]);
    ::close(control[0]);
    c->pid = pid;
    c->reports = reports[0];
    c->control = control[1];
  }
  // Threads only once every child is forked: a fork copies just the thread calling it.
  for (auto& c : children_) {
    c->reader = std::thread([this, raw = c.get()] { read_reports(*raw); });
  }
}

void process_agent::keep_only_descriptors(int reports, int control) {
  // The parent's results database, its event loop and signal pipe, the other children's
  // pipes: none is the child's to use, and a database file held open by a child outlives the
  // parent's close of it.
  const auto [low, high] = std::minmax(reports, control);
  const auto close_between = [](int first, int last) {
    if (first <= last) {
      ::close_range(static_cast<unsigned>(first), static_cast<unsigned>(last), 0);
    }
  };
  close_between(3, low - 1);
  close_between(low + 1, high - 1);
  close_between(high + 1, std::numeric_limits<int>::max());
}

void process_agent::run_child(const child& c, int reports, int control,
                              std::chrono::steady_clock::time_point run_start) {
  // Ctrl-C reaches the whole process group; the parent decides and tells us through `control`.
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  std::mutex write_mutex;
  bool broken = false;
  auto sink = [&](engine::interval_report r) {
    std::string bytes;
    to_wire(0, r).SerializeToString(&bytes);
    const auto size = static_cast<std::uint32_t>(bytes.size());
    const std::lock_guard lock(write_mutex);
    if (!broken) {
      broken = !write_all(reports, &size, sizeof size) || !write_all(reports, bytes.data(), size);
    }
  };
  int code = 0;
  try {
    engine::local_agent agent(plan_, c.first, c.count, total_, sink);
    agent.start(run_start);
    std::thread listener([&agent, control] {
      char command = 0;
      while (::read(control, &command, 1) == 1) {
        agent.stop(command == 'a');
      }
      agent.stop(true);  // the parent is gone
    });
    listener.detach();  // blocked in read until _exit
    agent.join();
  } catch (const std::exception& e) {
    std::cerr << fmt::format("stampede: worker process {}: {}\n", ::getpid(), e.what());
    code = 1;
  }
  ::close(reports);
  std::cerr.flush();
  ::_exit(code);
}

void process_agent::read_reports(child& c) {
  std::string bytes;
  std::string failure;
  while (true) {
    std::uint32_t size = 0;
    if (!read_all(c.reports, &size, sizeof size)) {
      break;
    }
    if (size > max_report_bytes) {
      failure = fmt::format("a report of {} bytes", size);
      break;
    }
    bytes.resize(size);
    if (!read_all(c.reports, bytes.data(), size)) {
      failure = "a report cut short";
      break;
    }
    v1::IntervalReport wire;
    std::optional<engine::interval_report> r;
    if (wire.ParseFromString(bytes)) {
      r = from_wire(wire, plan_->layout);
    }
    if (!r || r->worker < c.first || r->worker >= c.first + c.count) {
      failure = "a report that does not decode";
      break;
    }
    if (r->final) {
      c.finished[r->worker - c.first] = true;
    }
    sink_(std::move(*r));
  }
  ::close(c.reports);
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  std::vector<std::uint32_t> unfinished;
  for (std::uint32_t i = 0; i < c.count; ++i) {
    if (!c.finished[i]) {
      unfinished.push_back(c.first + i);
    }
  }
  if (!unfinished.empty() || !failure.empty()) {
    on_failure_(fmt::format("worker process {} (workers {}-{}) ended ({}){}{}", c.pid, c.first,
                            c.first + c.count - 1, describe_status(status),
                            failure.empty() ? "" : " after ", failure),
                unfinished);
  }
}

void process_agent::stop(bool abort) {
  const std::lock_guard lock(control_mutex_);
  for (auto& c : children_) {
    if (c->control >= 0) {
      const char command = abort ? 'a' : 'g';
      (void)::write(c->control, &command, 1);
    }
  }
}

void process_agent::join() {
  if (joined_) {
    return;
  }
  joined_ = true;
  for (auto& c : children_) {
    if (c->reader.joinable()) {
      c->reader.join();
    }
  }
  const std::lock_guard lock(control_mutex_);
  for (auto& c : children_) {
    if (c->control >= 0) {
      ::close(c->control);
      c->control = -1;
    }
  }
}

}  // namespace stampede::control

// SPDX-License-Identifier: Apache-2.0
#include "cli/target_processes.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <iostream>
#include <new>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cli/commands.hpp"

namespace stampede::cli {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

/// How long the processes get to start listening, and to stop.
constexpr auto start_timeout = std::chrono::seconds(10);
constexpr auto stop_timeout = std::chrono::seconds(10);

std::string errno_text(int e) {
  return boost::system::error_code(e, boost::system::system_category()).message();
}

/// Binds (without listening) a socket that holds the port while the processes start: with
/// port 0 it picks the port they all join. A fixed port is first bound without SO_REUSEPORT,
/// so a port another target already serves is refused rather than silently shared.
int reserve_port(tcp::endpoint& ep) {
  const int family = ep.address().is_v6() ? AF_INET6 : AF_INET;
  if (ep.port() != 0) {
    const int probe = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const int rc = ::bind(probe, ep.data(), static_cast<socklen_t>(ep.size()));
    const int e = errno;
    ::close(probe);
    if (rc != 0) {
      throw boost::system::system_error(e, boost::system::system_category());
    }
  }
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (::bind(fd, ep.data(), static_cast<socklen_t>(ep.size())) != 0) {
    const int e = errno;
    ::close(fd);
    throw boost::system::system_error(e, boost::system::system_category());
  }
  socklen_t len = static_cast<socklen_t>(ep.capacity());
  ::getsockname(fd, ep.data(), &len);
  ep.resize(len);
  return fd;
}

[[noreturn]] void run_child(target::target_options options, int ready_fd, pid_t parent) {
  // Dies with the supervisor, even when it is killed without a chance to stop us.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) {
    ::_exit(exit_code::runtime_failure);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  int code = exit_code::ok;
  try {
    target::target_server server(options);
    const char ready = 1;
    (void)::write(ready_fd, &ready, 1);
    ::close(ready_fd);
    server.run();
  } catch (const std::exception& e) {
    std::cerr << fmt::format("stampede target (process {}): {}\n", ::getpid(), e.what());
    code = exit_code::runtime_failure;
  }
  std::cout.flush();
  ::_exit(code);
}

void stop_all(const std::vector<pid_t>& children, std::vector<bool>& alive) {
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (alive[i]) {
      ::kill(children[i], SIGTERM);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + stop_timeout;
  for (std::size_t i = 0; i < children.size(); ++i) {
    while (alive[i]) {
      int status = 0;
      const auto rc = ::waitpid(children[i], &status, WNOHANG);
      if (rc == children[i] || (rc < 0 && errno == ECHILD)) {
        alive[i] = false;
      } else if (std::chrono::steady_clock::now() > deadline) {
        ::kill(children[i], SIGKILL);
        ::waitpid(children[i], &status, 0);
        alive[i] = false;
      } else {
        ::usleep(10'000);
      }
    }
  }
}

}  // namespace

int serve_in_processes(target::target_options options, unsigned processes,
                       const std::string& listen) {
  tcp::endpoint ep;
  int reservation = -1;
  try {
    asio::io_context ctx;
    tcp::resolver resolver(ctx);
    ep = resolver.resolve(options.host, std::to_string(options.port), tcp::resolver::passive)
             .begin()
             ->endpoint();
    reservation = reserve_port(ep);
  } catch (const boost::system::system_error& e) {
    std::cerr << fmt::format("stampede target: cannot listen on {}: {}\n", listen,
                             e.code().message());
    return exit_code::runtime_failure;
  }
  void* memory = ::mmap(nullptr, sizeof(target::target_stats), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    std::cerr << "stampede target: shared memory for the counters: " << errno_text(errno) << "\n";
    return exit_code::runtime_failure;
  }
  auto* stats = new (memory) target::target_stats();
  options.host = ep.address().to_string();
  options.port = ep.port();
  options.shared_stats = stats;
  options.join_port = true;
  options.stop_on_signals = true;

  // Signals wait for sigwait here; each child unblocks them for its own handlers.
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &handled, nullptr);

  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    std::cerr << "stampede target: pipe: " << errno_text(errno) << "\n";
    return exit_code::runtime_failure;
  }
  std::cout.flush();
  std::cerr.flush();
  const pid_t parent = ::getpid();
  std::vector<pid_t> children;
  std::vector<bool> alive;
  for (unsigned i = 0; i < processes; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(ready[0]);
      ::close(reservation);
      run_child(options, ready[1], parent);
    }
    if (pid < 0) {
      std::cerr << "stampede target: fork: " << errno_text(errno) << "\n";
      break;
    }
    children.push_back(pid);
    alive.push_back(true);
  }
  ::close(ready[1]);

  // Every process says it listens, or one failed (the pipe ends early) or time runs out.
  unsigned listening = 0;
  const auto deadline = std::chrono::steady_clock::now() + start_timeout;
  while (listening < children.size()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{ready[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
    char byte = 0;
    if (::read(ready[0], &byte, 1) != 1) {
      break;
    }
    ++listening;
  }
  ::close(ready[0]);
  ::close(reservation);
  if (listening < processes) {
    std::cerr << fmt::format("stampede target: {} of {} processes started listening on {}\n",
                             listening, processes, listen);
    stop_all(children, alive);
    return exit_code::runtime_failure;
  }
  const auto address = ep.address().to_string();
  std::cout << fmt::format("stampede target listening on {}:{} (processes: {}, threads: {}{})\n",
                           ep.address().is_v6() ? "[" + address + "]" : address, ep.port(),
                           processes, std::max(1u, options.threads),
                           options.tls_cert.empty() ? "" : ", TLS")
            << std::flush;

  int code = exit_code::ok;
  while (true) {
    int sig = 0;
    ::sigwait(&handled, &sig);
    if (sig != SIGCHLD) {
      break;  // SIGINT or SIGTERM: stop them all
    }
    bool lost = false;
    for (std::size_t i = 0; i < children.size(); ++i) {
      int status = 0;
      if (alive[i] && ::waitpid(children[i], &status, WNOHANG) == children[i]) {
        alive[i] = false;
        lost = true;
        std::cerr << fmt::format("stampede target: process {} ended ({})\n", children[i],
                                 WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                                                     : fmt::format("exit {}", WEXITSTATUS(status)));
      }
    }
    if (lost) {
      code = exit_code::runtime_failure;
      break;
    }
  }
  stop_all(children, alive);
  stats->~target_stats();
  ::munmap(memory, sizeof(target::target_stats));
  return code;
}

}  // namespace stampede::cli

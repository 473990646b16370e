// SPDX-License-Identifier: Apache-2.0
// The long-lived commands (`agent`, `monitor`): run until done, or until SIGINT or SIGTERM asks
// them to stop, which a thread of their own waits for.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.hpp"

namespace stampede::cli {

/// Blocks SIGINT and SIGTERM (before `make` starts any thread, so all inherit it), builds the
/// runner with `make` and returns its run(); the first signal calls its stop(). A runner that
/// cannot be built is said as "stampede COMMAND: why" (exit 1).
template <typename Make>
int run_until_signal(const std::string& command, Make make) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  decltype(make()) runner;
  try {
    runner = make();
  } catch (const std::exception& e) {
    std::cerr << "stampede " << command << ": " << e.what() << "\n";
    return exit_code::runtime_failure;
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    runner->stop();
  });
  const int exit = runner->run();
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter: the runner is done
  waiter.join();
  return exit;
}

}  // namespace stampede::cli

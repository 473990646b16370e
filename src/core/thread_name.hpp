// SPDX-License-Identifier: Apache-2.0
// Names the calling thread, so `top -H`, `perf` and /proc/PID/task/*/comm tell stampede's
// threads apart: the engine's workers from the outputs and the HTTP server.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace stampede::core {

/// Linux keeps 15 bytes of a thread's name; the rest is cut.
inline void name_this_thread(std::string_view name) {
  std::string kept(name.substr(0, 15));
  ::pthread_setname_np(::pthread_self(), kept.c_str());
}

}  // namespace stampede::core

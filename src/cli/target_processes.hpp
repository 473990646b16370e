// SPDX-License-Identifier: Apache-2.0
// `stampede target --processes N`: N target processes on one port (SO_REUSEPORT), so the target
// side can hold more connections than one process's open-files limit allows. Their counters
// live in shared memory, so GET /stats on any of them answers for all.
#pragma once

#include <string>

#include "target/target_server.hpp"

namespace stampede::cli {

/// Forks `processes` servers with `options` (each with options.threads threads), prints the
/// "listening on" line once all of them listen, and supervises them: SIGINT or SIGTERM stops
/// them all; one that dies stops the rest. Returns the command's exit code.
int serve_in_processes(target::target_options options, unsigned processes,
                       const std::string& listen);

}  // namespace stampede::cli

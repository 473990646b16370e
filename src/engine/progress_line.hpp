// SPDX-License-Identifier: Apache-2.0
// The live line printed once a second while a run goes on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace stampede::engine {

struct progress_state {
  std::string phase;
  double elapsed_s = 0;
  double total_s = 0;  ///< 0 when unknown (a run bounded by request count)
  /// A phase that ends by iterations: those begun of its total (0: not such a phase).
  std::uint64_t iterations_done = 0;
  std::uint64_t iterations_total = 0;
  std::uint64_t users = 0;
  std::uint64_t connections = 0;  ///< open at the last second's end
  double rps = 0;                 ///< over the last second
  std::optional<double> p50_ms;   ///< over the last second
  std::optional<double> p99_ms;
  std::uint64_t failed = 0;    ///< failed requests so far
  std::uint64_t requests = 0;  ///< requests so far
};

/// One line; `with_bar` draws a progress bar (for terminals; plain logs omit it).
std::string format_progress(const progress_state& p, bool with_bar);

}  // namespace stampede::engine

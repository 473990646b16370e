// SPDX-License-Identifier: Apache-2.0
#include "engine/progress_line.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "metrics/summary_report.hpp"

namespace stampede::engine {

std::string format_progress(const progress_state& p, bool with_bar) {
  std::string out = fmt::format("{:<10}", p.phase);
  const bool by_iterations = p.iterations_total > 0;
  if (by_iterations || p.total_s > 0) {
    const double done = std::clamp(by_iterations ? static_cast<double>(p.iterations_done) /
                                                       static_cast<double>(p.iterations_total)
                                                 : p.elapsed_s / p.total_s,
                                   0.0, 1.0);
    if (with_bar) {
      constexpr int width = 20;
      const int filled = static_cast<int>(done * width);
      out += " [" + std::string(static_cast<std::size_t>(filled), '=') +
             (filled < width ? ">" : "") +
             std::string(static_cast<std::size_t>(std::max(0, width - filled - 1)), ' ') + "]";
    }
    if (by_iterations) {
      out += fmt::format(" {:3.0f}% {}/{} iterations {:.0f}s", done * 100,
                         metrics::group_digits(p.iterations_done),
                         metrics::group_digits(p.iterations_total), p.elapsed_s);
    } else {
      out += fmt::format(" {:3.0f}% {:.0f}s/{:.0f}s", done * 100, p.elapsed_s, p.total_s);
    }
  } else {
    out += fmt::format(" {:.0f}s", p.elapsed_s);
  }
  out += fmt::format("  users {}  conns {}  rps {}  p50 {}  p99 {}  reqs {}  failed {}", p.users,
                     metrics::group_digits(p.connections),
                     metrics::group_digits(static_cast<std::uint64_t>(p.rps)),
                     p.p50_ms ? metrics::format_ms(*p.p50_ms) : "-",
                     p.p99_ms ? metrics::format_ms(*p.p99_ms) : "-",
                     metrics::group_digits(p.requests), metrics::group_digits(p.failed));
  return out;
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
#include "engine/population_schedule.hpp"

#include <algorithm>

#include "engine/schedule.hpp"

namespace stampede::engine {

std::vector<population_segment> user_segments(std::span<const population_stage> stages,
                                              std::uint64_t k) {
  std::vector<population_segment> out;
  for (std::size_t s = 0; s < stages.size(); ++s) {
    const auto& st = stages[s];
    const auto end = st.start + st.length;
    const auto before = st.users_before;
    const auto now = st.users;
    std::chrono::nanoseconds enter = st.start;
    std::chrono::nanoseconds leave = end;
    if (k < std::min(before, now)) {
      // stays through the phase
    } else if (k >= before && k < now) {
      enter = st.start + ramp_start(k - before, now - before, st.ramp);
    } else if (k >= now && k < before) {
      // The highest leaves first; the last of them when the ramp ends.
      leave = st.start + ramp_start(before - k, before - now, st.ramp);
    } else {
      continue;
    }
    leave = std::min(leave, end);
    if (leave <= enter) {
      continue;
    }
    const bool continues = !out.empty() && out.back().leave == enter;
    out.push_back({s, enter, leave, continues});
  }
  return out;
}

std::size_t stretch_end(std::span<const population_segment> segments, std::size_t first) {
  auto last = first;
  while (last + 1 < segments.size() && segments[last + 1].continues) {
    ++last;
  }
  return last;
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
#include "push/delivery_tracker.hpp"

#include <algorithm>

namespace stampede::push {

delivery_tracker::stream_state& delivery_tracker::find(std::uint64_t stream, bool& created) {
  for (auto& s : streams_) {
    if (s.id == stream) {
      created = false;
      return s;
    }
  }
  created = true;
  auto& s = streams_.emplace_back();
  s.id = stream;
  return s;
}

delivery delivery_tracker::observe(std::uint64_t stream, std::uint64_t sequence) {
  bool created = false;
  auto& s = find(stream, created);
  if (created) {
    s.highest = sequence;
    return delivery::in_order;
  }
  if (sequence > s.highest) {
    if (sequence > s.highest + 1) {
      if (s.gaps.size() == max_gaps) {
        given_up_ += s.gaps.front().last - s.gaps.front().first + 1;
        s.gaps.erase(s.gaps.begin());
      }
      s.gaps.push_back({s.highest + 1, sequence - 1});
    }
    s.highest = sequence;
    return delivery::in_order;
  }
  // At or below the highest: either it fills a gap or it came before.
  auto it = std::lower_bound(s.gaps.begin(), s.gaps.end(), sequence,
                             [](const gap& g, std::uint64_t n) { return g.last < n; });
  if (it == s.gaps.end() || sequence < it->first) {
    return delivery::duplicate;
  }
  if (it->first == it->last) {
    s.gaps.erase(it);
  } else if (sequence == it->first) {
    ++it->first;
  } else if (sequence == it->last) {
    --it->last;
  } else {
    const gap upper{sequence + 1, it->last};
    it->last = sequence - 1;
    s.gaps.insert(it + 1, upper);
  }
  return delivery::out_of_order;
}

std::uint64_t delivery_tracker::take_lost() {
  std::uint64_t lost = given_up_;
  for (const auto& s : streams_) {
    for (const auto& g : s.gaps) {
      lost += g.last - g.first + 1;
    }
  }
  streams_.clear();
  given_up_ = 0;
  return lost;
}

}  // namespace stampede::push

// SPDX-License-Identifier: Apache-2.0
// One subscription's view of the streams it receives: which stamped messages arrived in order,
// which came twice, which filled an earlier gap, and how many never came.
//
// A subscriber may join a stream mid-way, so the first message of a stream sets the baseline;
// after it, a jump from n to n+k leaves k-1 missing numbers, each of which is either filled
// later (out of order) or, when the subscription ends, lost. A message lost after the last one
// the subscription received leaves no gap and is not seen.
//
// Thread-safety: none; one per subscription, on the subscriber's thread.
#pragma once

#include <cstdint>
#include <vector>

namespace stampede::push {

enum class delivery {
  in_order,      ///< the next number of its stream, or a jump ahead (which leaves a gap)
  out_of_order,  ///< fills a gap left earlier
  duplicate,     ///< a number already received
};

class delivery_tracker {
 public:
  /// Gaps kept per stream; beyond this the oldest gap is counted lost at once.
  static constexpr std::size_t max_gaps = 1024;

  delivery observe(std::uint64_t stream, std::uint64_t sequence);

  /// Numbers missing now (and gaps given up earlier), counted lost; the tracker starts over, so
  /// the next message of any stream sets a new baseline. Call when a subscription ends.
  std::uint64_t take_lost();

  bool empty() const { return streams_.empty() && given_up_ == 0; }

 private:
  struct gap {
    std::uint64_t first;
    std::uint64_t last;  ///< inclusive
  };
  struct stream_state {
    std::uint64_t id = 0;
    std::uint64_t highest = 0;
    std::vector<gap> gaps;  ///< ascending, disjoint
  };

  stream_state& find(std::uint64_t stream, bool& created);

  /// Few streams per subscription (one per publisher and channel): a scan beats hashing.
  std::vector<stream_state> streams_;
  std::uint64_t given_up_ = 0;
};

}  // namespace stampede::push

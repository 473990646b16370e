// SPDX-License-Identifier: Apache-2.0
// Fan-out reach: for each stamped message, how its subscribers' delivery latencies spread, so a
// run can say how long it took until 50, 90, 99 and 100% of the subscribers that got a message
// had it.
//
// Those are per-message quantiles, and quantiles do not add up across workers and agents, so
// each message keeps a small mergeable histogram of its deliveries (log buckets, about 6% wide)
// until no more deliveries are expected; then it is settled: its four reach times are recorded
// into four ordinary histograms (one sample per message each) and it is forgotten.
//
// Thread-safety: none, like metric_set.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "metrics/histogram.hpp"

namespace stampede::metrics {

/// The shares of subscribers reach times are reported for, in percent.
inline constexpr std::array<int, 4> reach_shares = {50, 90, 99, 100};

/// One histogram per reach share, in microseconds; one sample per settled message.
using reach_histograms = std::array<histogram, reach_shares.size()>;

/// A message is settled once messages published this much later were seen. A delivery slower
/// than this still counts in push latency but not in its message's reach (it would arrive after
/// the message was settled).
inline constexpr std::int64_t reach_settle_after_us = 10'000'000;

class reach_table {
 public:
  /// A delivery of message (stream, sequence), published at `published_us` (Unix time), after
  /// `latency_us`.
  void record(std::uint64_t stream, std::uint64_t sequence, std::int64_t published_us,
              std::uint64_t latency_us);
  void merge(const reach_table& other);

  /// Settles every message published before `cutoff_us`.
  void settle_before(std::int64_t cutoff_us, reach_histograms& into);
  void settle_all(reach_histograms& into);

  /// The latest publish time seen; 0 when empty.
  std::int64_t newest_published_us() const { return newest_published_us_; }
  std::size_t size() const { return messages_.size(); }
  bool empty() const { return messages_.empty(); }

  /// A compact binary form (varints), for reports from agents.
  std::string encode() const;
  static std::optional<reach_table> decode(std::string_view bytes);

  /// Bucket of a latency and the value that stands for it (exact below 16 us, else the
  /// middle of the bucket); exposed for tests.
  static std::uint16_t bucket_of(std::uint64_t latency_us);
  static std::uint64_t value_of(std::uint16_t bucket);

 private:
  struct key {
    std::uint64_t stream;
    std::uint64_t sequence;
    bool operator==(const key&) const = default;
  };
  struct key_hash {
    std::size_t operator()(const key& k) const noexcept {
      return static_cast<std::size_t>((k.stream ^ (k.sequence * 0x9e3779b97f4a7c15ULL)) *
                                      0xbf58476d1ce4e5b9ULL);
    }
  };
  struct message {
    std::int64_t published_us = 0;
    /// (bucket, deliveries), ascending by bucket; a message's deliveries cluster in a few.
    std::vector<std::pair<std::uint16_t, std::uint32_t>> buckets;
  };

  static void add(message& m, std::uint16_t bucket, std::uint32_t count);
  static void settle(const message& m, reach_histograms& into);

  std::unordered_map<key, message, key_hash> messages_;
  std::int64_t newest_published_us_ = 0;
};

}  // namespace stampede::metrics

// SPDX-License-Identifier: Apache-2.0
#include "metrics/reach_table.hpp"

#include <algorithm>
#include <bit>

#include "metrics/detail/varint.hpp"

namespace stampede::metrics {

namespace {

using detail::get_varint;
using detail::put_varint;

// Below 16 us a bucket per microsecond; above, 16 buckets per power of two (~4-6% wide).
constexpr std::uint64_t linear_below = 16;
constexpr unsigned sub_bits = 4;

}  // namespace

std::uint16_t reach_table::bucket_of(std::uint64_t latency_us) {
  if (latency_us < linear_below) {
    return static_cast<std::uint16_t>(latency_us);
  }
  const unsigned top = 63 - static_cast<unsigned>(std::countl_zero(latency_us));  // >= 4
  const auto sub = (latency_us >> (top - sub_bits)) & ((1u << sub_bits) - 1);
  return static_cast<std::uint16_t>(linear_below + (top - sub_bits) * (1u << sub_bits) + sub);
}

std::uint64_t reach_table::value_of(std::uint16_t bucket) {
  if (bucket < linear_below) {
    return bucket;
  }
  const unsigned i = bucket - linear_below;
  const unsigned top = i / (1u << sub_bits) + sub_bits;
  const std::uint64_t sub = i % (1u << sub_bits);
  const std::uint64_t width = std::uint64_t{1} << (top - sub_bits);
  const std::uint64_t low = (std::uint64_t{1} << top) + sub * width;
  return low + width / 2;
}

void reach_table::add(message& m, std::uint16_t bucket, std::uint32_t count) {
  auto it = std::lower_bound(m.buckets.begin(), m.buckets.end(), bucket,
                             [](const auto& b, std::uint16_t v) { return b.first < v; });
  if (it != m.buckets.end() && it->first == bucket) {
    it->second += count;
  } else {
    m.buckets.insert(it, {bucket, count});
  }
}

void reach_table::record(std::uint64_t stream, std::uint64_t sequence, std::int64_t published_us,
                         std::uint64_t latency_us) {
  auto& m = messages_[key{stream, sequence}];
  m.published_us = published_us;
  add(m, bucket_of(latency_us), 1);
  newest_published_us_ = std::max(newest_published_us_, published_us);
}

void reach_table::merge(const reach_table& other) {
  for (const auto& [k, theirs] : other.messages_) {
    auto& mine = messages_[k];
    mine.published_us = theirs.published_us;
    for (const auto& [bucket, count] : theirs.buckets) {
      add(mine, bucket, count);
    }
  }
  newest_published_us_ = std::max(newest_published_us_, other.newest_published_us_);
}

void reach_table::settle(const message& m, reach_histograms& into) {
  std::uint64_t total = 0;
  for (const auto& b : m.buckets) {
    total += b.second;
  }
  for (std::size_t s = 0; s < reach_shares.size(); ++s) {
    // The delivery that brought the share to reach_shares[s] percent: rank ceil(share * n).
    const auto rank = (total * static_cast<std::uint64_t>(reach_shares[s]) + 99) / 100;
    std::uint64_t seen = 0;
    for (const auto& [bucket, count] : m.buckets) {
      seen += count;
      if (seen >= rank) {
        into[s].record(value_of(bucket));
        break;
      }
    }
  }
}

void reach_table::settle_before(std::int64_t cutoff_us, reach_histograms& into) {
  for (auto it = messages_.begin(); it != messages_.end();) {
    if (it->second.published_us < cutoff_us) {
      settle(it->second, into);
      it = messages_.erase(it);
    } else {
      ++it;
    }
  }
}

void reach_table::settle_all(reach_histograms& into) {
  for (const auto& [k, m] : messages_) {
    settle(m, into);
  }
  messages_.clear();
}

std::string reach_table::encode() const {
  std::string out;
  put_varint(out, messages_.size());
  for (const auto& [k, m] : messages_) {
    put_varint(out, k.stream);
    put_varint(out, k.sequence);
    put_varint(out, static_cast<std::uint64_t>(m.published_us));
    put_varint(out, m.buckets.size());
    for (const auto& [bucket, count] : m.buckets) {
      put_varint(out, bucket);
      put_varint(out, count);
    }
  }
  return out;
}

std::optional<reach_table> reach_table::decode(std::string_view in) {
  reach_table t;
  std::uint64_t n = 0;
  if (!get_varint(in, n)) {
    return std::nullopt;
  }
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t stream = 0, sequence = 0, published = 0, buckets = 0;
    if (!get_varint(in, stream) || !get_varint(in, sequence) || !get_varint(in, published) ||
        !get_varint(in, buckets) || buckets > in.size()) {
      return std::nullopt;
    }
    auto& m = t.messages_[key{stream, sequence}];
    m.published_us = static_cast<std::int64_t>(published);
    t.newest_published_us_ = std::max(t.newest_published_us_, m.published_us);
    for (std::uint64_t b = 0; b < buckets; ++b) {
      std::uint64_t bucket = 0, count = 0;
      if (!get_varint(in, bucket) || !get_varint(in, count) || bucket > 0xffff ||
          count > 0xffffffffULL) {
        return std::nullopt;
      }
      add(m, static_cast<std::uint16_t>(bucket), static_cast<std::uint32_t>(count));
    }
  }
  if (!in.empty()) {
    return std::nullopt;
  }
  return t;
}

}  // namespace stampede::metrics

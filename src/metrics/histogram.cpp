// SPDX-License-Identifier: Apache-2.0
#include "metrics/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace stampede::metrics {
namespace {

// Derived as HdrHistogram does from (lowest 1, highest 3.6e9, 3 significant digits):
// 2 * 10^3 = 2000 distinct values per bucket need 2048 sub-buckets.
constexpr int sub_bucket_count_magnitude = 11;
constexpr int sub_bucket_half_count_magnitude = sub_bucket_count_magnitude - 1;
constexpr std::uint64_t sub_bucket_count = 1ULL << sub_bucket_count_magnitude;
constexpr std::uint64_t sub_bucket_half_count = sub_bucket_count / 2;
constexpr std::uint64_t sub_bucket_mask = sub_bucket_count - 1;
constexpr int leading_zero_count_base = 64 - sub_bucket_half_count_magnitude - 1;

constexpr std::size_t compute_bucket_count() {
  std::uint64_t smallest_untrackable = sub_bucket_count;
  std::size_t buckets = 1;
  while (smallest_untrackable <= histogram::highest_trackable) {
    smallest_untrackable <<= 1;
    ++buckets;
  }
  return buckets;
}

constexpr std::size_t bucket_count = compute_bucket_count();
constexpr std::size_t counts_length = (bucket_count + 1) * sub_bucket_half_count;
static_assert(bucket_count == 22 && counts_length == 23552);

constexpr std::uint8_t encoding_version = 1;

int bucket_of(std::uint64_t value) noexcept {
  return leading_zero_count_base - std::countl_zero(value | sub_bucket_mask);
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) {
      return false;
    }
    const auto byte = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      return shift < 63 || byte <= 1;
    }
  }
  return false;
}

constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

histogram::histogram() : counts_(counts_length, 0) {}

std::size_t histogram::index_of(std::uint64_t value) noexcept {
  const int bucket = bucket_of(value);
  const auto sub_bucket = value >> bucket;
  return (static_cast<std::size_t>(bucket + 1) << sub_bucket_half_count_magnitude) +
         static_cast<std::size_t>(sub_bucket) - sub_bucket_half_count;
}

std::uint64_t histogram::value_at_index(std::size_t index) noexcept {
  auto bucket = static_cast<int>(index >> sub_bucket_half_count_magnitude) - 1;
  auto sub_bucket = (index & (sub_bucket_half_count - 1)) + sub_bucket_half_count;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count;
    bucket = 0;
  }
  return static_cast<std::uint64_t>(sub_bucket) << bucket;
}

std::uint64_t histogram::lowest_equivalent(std::uint64_t value) noexcept {
  return value_at_index(index_of(value));
}

std::uint64_t histogram::highest_equivalent(std::uint64_t value) noexcept {
  return lowest_equivalent(value) + (1ULL << bucket_of(value)) - 1;
}

void histogram::record_n(std::uint64_t value, std::uint64_t n) noexcept {
  if (value > highest_trackable) [[unlikely]] {
    value = highest_trackable;
    clamped_ += n;
  }
  counts_[index_of(value)] += n;
  total_ += n;
  sum_ += value * n;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void histogram::merge(const histogram& other) {
  if (other.total_ == 0) {
    return;
  }
  if (counts_.size() != counts_length) {
    counts_.assign(counts_length, 0);
  }
  for (std::size_t i = 0; i < counts_length; ++i) {
    counts_[i] += other.counts_[i];
  }
  total_ += other.total_;
  sum_ += other.sum_;
  clamped_ += other.clamped_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = sum_ = clamped_ = max_ = 0;
  min_ = UINT64_MAX;
}

std::uint64_t histogram::value_at_percentile(double p) const noexcept {
  if (total_ == 0) {
    return 0;
  }
  p = std::clamp(p, 0.0, 100.0);
  if (p == 0.0) {
    return min_;
  }
  if (p == 100.0) {
    return max_;
  }
  auto wanted = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
  wanted = std::clamp<std::uint64_t>(wanted, 1, total_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_length; ++i) {
    seen += counts_[i];
    if (seen >= wanted) {
      const auto v = highest_equivalent(value_at_index(i));
      return std::clamp(v, min_, max_);
    }
  }
  return max_;
}

void histogram::for_each_recorded(
    const std::function<void(std::uint64_t, std::uint64_t, std::uint64_t)>& f) const {
  for (std::size_t i = 0; i < counts_length; ++i) {
    if (counts_[i] != 0) {
      const auto low = value_at_index(i);
      f(low, highest_equivalent(low), counts_[i]);
    }
  }
}

std::string histogram::encode() const {
  std::string out;
  out.push_back(static_cast<char>(encoding_version));
  put_varint(out, total_);
  put_varint(out, total_ ? min_ : 0);
  put_varint(out, max_);
  put_varint(out, sum_);
  put_varint(out, clamped_);
  // Counts as a sequence of tokens: 2n+1 = a run of n zero counters, 2c = one counter of c > 0.
  std::size_t i = 0;
  std::size_t last = counts_length;
  while (last > 0 && counts_[last - 1] == 0) {
    --last;
  }
  while (i < last) {
    if (counts_[i] == 0) {
      std::size_t run = 0;
      while (i < last && counts_[i] == 0) {
        ++run;
        ++i;
      }
      put_varint(out, 2 * static_cast<std::uint64_t>(run) + 1);
    } else {
      put_varint(out, 2 * counts_[i]);
      ++i;
    }
  }
  return out;
}

std::optional<histogram> histogram::decode(std::string_view in) {
  if (in.empty() || static_cast<std::uint8_t>(in.front()) != encoding_version) {
    return std::nullopt;
  }
  in.remove_prefix(1);
  histogram h;
  std::uint64_t min_value = 0;
  if (!get_varint(in, h.total_) || !get_varint(in, min_value) || !get_varint(in, h.max_) ||
      !get_varint(in, h.sum_) || !get_varint(in, h.clamped_)) {
    return std::nullopt;
  }
  h.min_ = h.total_ ? min_value : UINT64_MAX;
  std::size_t i = 0;
  std::uint64_t counted = 0;
  while (!in.empty()) {
    std::uint64_t token = 0;
    if (!get_varint(in, token) || token == 0) {
      return std::nullopt;
    }
    if (token & 1) {
      const auto run = token >> 1;
      if (run > counts_length - i) {
        return std::nullopt;
      }
      i += static_cast<std::size_t>(run);
    } else {
      if (i >= counts_length) {
        return std::nullopt;
      }
      const auto c = token >> 1;
      if (counted + c < counted) {
        return std::nullopt;
      }
      counted += c;
      h.counts_[i++] = c;
    }
  }
  if (counted != h.total_ || (h.total_ > 0 && (h.min_ > h.max_ || h.max_ > highest_trackable))) {
    return std::nullopt;
  }
  return h;
}

std::string histogram::encode_base64() const {
  const auto bytes = encode();
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) {
      chunk |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    }
    if (i + 2 < bytes.size()) {
      chunk |= static_cast<std::uint8_t>(bytes[i + 2]);
    }
    out.push_back(base64_alphabet[(chunk >> 18) & 63]);
    out.push_back(base64_alphabet[(chunk >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? base64_alphabet[(chunk >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? base64_alphabet[chunk & 63] : '=');
  }
  return out;
}

std::optional<histogram> histogram::decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string bytes;
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    if (c == '+')
      return 62;
    if (c == '/')
      return 63;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || (v[k] = value_of(c)) < 0) {
        return std::nullopt;
      }
    }
    const std::uint32_t chunk = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    bytes.push_back(static_cast<char>((chunk >> 16) & 0xff));
    if (pad < 2)
      bytes.push_back(static_cast<char>((chunk >> 8) & 0xff));
    if (pad < 1)
      bytes.push_back(static_cast<char>(chunk & 0xff));
  }
  return decode(bytes);
}

}  // namespace stampede::metrics

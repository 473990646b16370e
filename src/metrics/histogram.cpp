// SPDX-License-Identifier: Apache-2.0
// Counting, merging, percentiles and the compact binary and base64 forms of a histogram.
#include "metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "metrics/detail/varint.hpp"

namespace stampede::metrics {
namespace {

using detail::get_varint;
using detail::put_varint;

constexpr std::uint8_t encoding_version = 1;

constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

/// The 1-based rank percentile p (0 < p < 100) asks for out of `total`.
std::uint64_t rank_at(double p, std::uint64_t total) {
  const double exact = p / 100.0 * static_cast<double>(total);
  // p / 100 is rarely exact in binary: 99.9% of 1000 computes as 999.0000000000001, and a
  // plain ceil would then answer with the 1000th value. A product within rounding error of a
  // whole number is taken as that number.
  const double nearest = std::round(exact);
  const double rank =
      std::abs(exact - nearest) <= 1e-12 * std::max(1.0, nearest) ? nearest : std::ceil(exact);
  if (rank >= static_cast<double>(total)) {  // also keeps the conversion below in range
    return total;
  }
  return std::max<std::uint64_t>(static_cast<std::uint64_t>(rank), 1);
}

}  // namespace

histogram::histogram() = default;

histogram::histogram(const histogram& other)
    : total_(other.total_),
      min_(other.min_),
      max_(other.max_),
      sum_(other.sum_),
      clamped_(other.clamped_) {
  for (std::size_t p = 0; p < page_count; ++p) {
    if (other.pages_[p]) {
      pages_[p] = std::make_unique_for_overwrite<std::uint64_t[]>(page_size);
      std::copy_n(other.pages_[p].get(), page_size, pages_[p].get());
    }
  }
}

histogram& histogram::operator=(const histogram& other) {
  if (this != &other) {
    for (std::size_t p = 0; p < page_count; ++p) {
      if (other.pages_[p]) {
        if (!pages_[p]) {
          pages_[p] = std::make_unique_for_overwrite<std::uint64_t[]>(page_size);
        }
        std::copy_n(other.pages_[p].get(), page_size, pages_[p].get());
      } else if (pages_[p]) {
        std::fill_n(pages_[p].get(), page_size, 0);  // kept for the values to come
      }
    }
    total_ = other.total_;
    min_ = other.min_;
    max_ = other.max_;
    sum_ = other.sum_;
    clamped_ = other.clamped_;
  }
  return *this;
}

histogram::histogram(histogram&& other) noexcept
    : pages_(std::move(other.pages_)),
      total_(std::exchange(other.total_, 0)),
      min_(std::exchange(other.min_, UINT64_MAX)),
      max_(std::exchange(other.max_, 0)),
      sum_(std::exchange(other.sum_, 0)),
      clamped_(std::exchange(other.clamped_, 0)) {}

histogram& histogram::operator=(histogram&& other) noexcept {
  if (this != &other) {
    pages_ = std::move(other.pages_);
    total_ = std::exchange(other.total_, 0);
    min_ = std::exchange(other.min_, UINT64_MAX);
    max_ = std::exchange(other.max_, 0);
    sum_ = std::exchange(other.sum_, 0);
    clamped_ = std::exchange(other.clamped_, 0);
  }
  return *this;
}

std::uint64_t histogram::value_at_index(std::size_t index) noexcept {
  auto bucket = static_cast<int>(index >> sub_bucket_half_count_magnitude) - 1;
  auto sub_bucket = (index & (sub_bucket_half_count - 1)) + sub_bucket_half_count;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count;
    bucket = 0;
  }
  return static_cast<std::uint64_t>(sub_bucket) << (bucket + unit_magnitude);
}

void histogram::merge(const histogram& other) {
  if (other.total_ == 0) {
    return;
  }
  // Counters outside other's [min, max], and its pages never allocated, are all zero:
  // skipping them makes merging the short histograms of one second cheap.
  const auto first = index_of(other.min_);
  const auto last = index_of(other.max_);
  for (auto p = first >> page_magnitude; p <= last >> page_magnitude; ++p) {
    const auto* from = other.pages_[p].get();
    if (from == nullptr) {
      continue;
    }
    const auto begin = std::max(first, p << page_magnitude);
    const auto end = std::min(last + 1, (p + 1) << page_magnitude);
    const auto offset = begin & (page_size - 1);
    auto* to = &slot(begin);
    from += offset;
    for (std::size_t k = 0; k < end - begin; ++k) {  // plain arrays: vectorized
      to[k] += from[k];
    }
  }
  total_ += other.total_;
  sum_ += other.sum_;
  clamped_ += other.clamped_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void histogram::reset() noexcept {
  if (total_ != 0) {
    // Only [min, max] holds counts; the pages stay: next second's values will likely fall in
    // them again.
    const auto first = index_of(min_);
    const auto last = index_of(max_);
    for (auto p = first >> page_magnitude; p <= last >> page_magnitude; ++p) {
      if (pages_[p]) {
        const auto begin = std::max(first, p << page_magnitude);
        const auto end = std::min(last + 1, (p + 1) << page_magnitude);
        std::fill(&slot(begin), &slot(begin) + (end - begin), 0);
      }
    }
  }
  total_ = sum_ = clamped_ = max_ = 0;
  min_ = UINT64_MAX;
}

std::uint64_t histogram::value_at_percentile(double p) const noexcept {
  if (total_ == 0) {
    return 0;
  }
  if (!(p > 0.0)) {  // also NaN
    return min_;
  }
  if (p >= 100.0) {
    return max_;
  }
  const auto wanted = rank_at(p, total_);
  const auto last = index_of(max_);
  std::uint64_t seen = 0;
  const auto first = index_of(min_);
  for (auto p = first >> page_magnitude; p <= last >> page_magnitude; ++p) {
    const auto* page = pages_[p].get();
    if (page == nullptr) {
      continue;  // nothing counted in this page
    }
    const auto begin = std::max(first, p << page_magnitude);
    const auto end = std::min(last + 1, (p + 1) << page_magnitude);
    const auto* counter = page + (begin & (page_size - 1));
    for (auto i = begin; i < end; ++i, ++counter) {
      seen += *counter;
      if (seen >= wanted) {
        return std::clamp(highest_equivalent(value_at_index(i)), min_, max_);
      }
    }
  }
  return max_;
}

bool operator==(const histogram& a, const histogram& b) noexcept {
  if (a.total_ != b.total_ || a.sum_ != b.sum_ || a.clamped_ != b.clamped_ || a.max_ != b.max_ ||
      a.min() != b.min()) {
    return false;
  }
  if (a.total_ == 0) {
    return true;  // no counters to compare, and one of them may have none
  }
  // Same min and max: every counter outside [min, max] is zero in both.
  const auto last = histogram::index_of(a.max_);
  for (auto i = histogram::index_of(a.min()); i <= last; ++i) {
    if (a.count_at(i) != b.count_at(i)) {
      return false;
    }
  }
  return true;
}

std::string histogram::encode() const {
  std::string out;
  out.push_back(static_cast<char>(encoding_version));
  put_varint(out, total_);
  put_varint(out, min());
  put_varint(out, max_);
  put_varint(out, sum_);
  put_varint(out, clamped_);
  if (total_ == 0) {
    return out;
  }
  const auto last = index_of(max_);
  std::size_t i = 0;
  while (i <= last) {
    if (count_at(i) == 0) {
      std::size_t run = 0;
      while (count_at(i) == 0) {  // stops at the latest at `last`, which holds max
        ++run;
        ++i;
      }
      put_varint(out, 2 * static_cast<std::uint64_t>(run) + 1);
    } else {
      put_varint(out, 2 * count_at(i));
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
  std::uint64_t total = 0;
  std::uint64_t min_value = 0;
  std::uint64_t max_value = 0;
  std::uint64_t sum = 0;
  std::uint64_t clamped = 0;
  if (!get_varint(in, total) || !get_varint(in, min_value) || !get_varint(in, max_value) ||
      !get_varint(in, sum) || !get_varint(in, clamped)) {
    return std::nullopt;
  }
  if (total == 0) {
    // The encoder writes nothing else for an empty histogram.
    if (min_value != 0 || max_value != 0 || sum != 0 || clamped != 0 || !in.empty()) {
      return std::nullopt;
    }
    return histogram();
  }
  if (min_value > max_value || max_value > highest_trackable || clamped > total ||
      (clamped != 0 && max_value != highest_trackable)) {
    return std::nullopt;
  }
  // Every value lies in [min, max], so the sum does too, unless the product overflows.
  if (total <= UINT64_MAX / max_value && (sum < min_value * total || sum > max_value * total)) {
    return std::nullopt;
  }

  histogram h;
  std::size_t i = 0;
  std::uint64_t counted = 0;
  bool after_run = false;
  std::size_t first_filled = counts_length;
  while (!in.empty()) {
    std::uint64_t token = 0;
    if (!get_varint(in, token) || token <= 1) {  // 0: an empty counter; 1: an empty run
      return std::nullopt;
    }
    if (token & 1) {
      // Two runs in a row would be one run written twice.
      const auto run = token >> 1;
      if (after_run || run >= counts_length - i) {  // a run never reaches past the end
        return std::nullopt;
      }
      i += static_cast<std::size_t>(run);
      after_run = true;
    } else {
      const auto c = token >> 1;
      if (i >= counts_length || counted + c < counted) {
        return std::nullopt;
      }
      counted += c;
      first_filled = std::min(first_filled, i);
      h.slot(i++) = c;
      after_run = false;
    }
  }
  // The last token is a counter (runs are never trailing), and the counters must agree with
  // the header: the same total, min's counter first and max's counter last.
  if (after_run || counted != total || first_filled != index_of(min_value) ||
      i - 1 != index_of(max_value) || h.count_at(index_of(max_value)) < clamped) {
    return std::nullopt;
  }
  h.total_ = total;
  h.min_ = min_value;
  h.max_ = max_value;
  h.sum_ = sum;
  h.clamped_ = clamped;
  return h;
}

std::string histogram::encode_base64() const {
  const auto bytes = encode();
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = bytes.size() - i;
    std::uint32_t chunk = static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16;
    if (left > 1) {
      chunk |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8;
    }
    if (left > 2) {
      chunk |= static_cast<std::uint8_t>(bytes[i + 2]);
    }
    out.push_back(base64_alphabet[(chunk >> 18) & 63]);
    out.push_back(base64_alphabet[(chunk >> 12) & 63]);
    out.push_back(left > 1 ? base64_alphabet[(chunk >> 6) & 63] : '=');
    out.push_back(left > 2 ? base64_alphabet[chunk & 63] : '=');
  }
  return out;
}

std::optional<histogram> histogram::decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last_quad = i + 4 == text.size();
    std::uint32_t chunk = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      // Padding only ends the text, fills at most its last two places, and nothing follows it.
      if (c == '=' && last_quad && k >= 2) {
        ++pad;
        chunk <<= 6;
        continue;
      }
      const int v = base64_value(c);
      if (v < 0 || pad > 0) {
        return std::nullopt;
      }
      chunk = (chunk << 6) | static_cast<std::uint32_t>(v);
    }
    bytes.push_back(static_cast<char>((chunk >> 16) & 0xff));
    if (pad < 2) {
      bytes.push_back(static_cast<char>((chunk >> 8) & 0xff));
    }
    if (pad < 1) {
      bytes.push_back(static_cast<char>(chunk & 0xff));
    }
  }
  return decode(bytes);
}

}  // namespace stampede::metrics

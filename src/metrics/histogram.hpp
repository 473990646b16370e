// SPDX-License-Identifier: Apache-2.0
// A log-linear histogram in the HdrHistogram style: exact counts, 3 significant digits.
//
// Values are non-negative integers; stampede records microseconds, so the range is 1 µs to
// 1 hour (3.6e9). Values above the range are clamped to its top and counted in clamped().
// Buckets double in width; each holds 2048 linear sub-buckets, so any recorded value is
// reported within 0.05% (1 part in 2048) of itself. Exact min, max and sum are kept beside.
//
// Memory: 23,552 64-bit counters (184 KiB) per histogram, allocated once.
// Thread-safety: none. Each worker thread records into its own histograms; they are merged
// after being handed over at an interval boundary.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stampede::metrics {

class histogram {
 public:
  static constexpr std::uint64_t highest_trackable = 3'600'000'000ULL;  ///< 1 h in µs
  static constexpr int significant_digits = 3;

  histogram();

  /// O(1), no allocation.
  void record(std::uint64_t value) noexcept { record_n(value, 1); }
  void record_n(std::uint64_t value, std::uint64_t n) noexcept;

  /// Adds every count of `other` (exact).
  void merge(const histogram& other);
  void reset() noexcept;

  std::uint64_t count() const noexcept { return total_; }
  bool empty() const noexcept { return total_ == 0; }
  std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  /// Sum of the recorded values (clamped values count as the clamp).
  std::uint64_t sum() const noexcept { return sum_; }
  double mean() const noexcept {
    return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0.0;
  }
  /// Values recorded above highest_trackable.
  std::uint64_t clamped() const noexcept { return clamped_; }

  /// The value at percentile p (0..100): the highest value equivalent to the bucket where the
  /// cumulative count first reaches ceil(p% of count), kept within the exact [min, max].
  std::uint64_t value_at_percentile(double p) const noexcept;

  /// Calls f(lowest, highest, count) for each non-empty bucket, in ascending order.
  void for_each_recorded(
      const std::function<void(std::uint64_t, std::uint64_t, std::uint64_t)>& f) const;

  /// Compact binary form: a version byte, varint totals, then run-length coded counts.
  std::string encode() const;
  /// Rejects truncated or malformed input (nullopt), never reads out of bounds.
  static std::optional<histogram> decode(std::string_view bytes);

  std::string encode_base64() const;
  static std::optional<histogram> decode_base64(std::string_view text);

  /// Smallest and largest values that share `value`'s counter.
  static std::uint64_t lowest_equivalent(std::uint64_t value) noexcept;
  static std::uint64_t highest_equivalent(std::uint64_t value) noexcept;

  friend bool operator==(const histogram& a, const histogram& b) = default;

 private:
  static std::size_t index_of(std::uint64_t value) noexcept;
  static std::uint64_t value_at_index(std::size_t index) noexcept;

  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t clamped_ = 0;
};

}  // namespace stampede::metrics

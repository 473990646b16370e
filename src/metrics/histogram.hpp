// SPDX-License-Identifier: Apache-2.0
// A log-linear histogram in the HdrHistogram style: exact counts, 3 significant digits.
//
// Units: values are non-negative integers; stampede records microseconds, so the trackable
// range is 1 µs to 1 hour (3.6e9). Values above it are clamped to highest_trackable and also
// counted in clamped(); 0 is recorded in the first counter.
//
// Precision: values below 2048 each have their own counter and are exact. Above that, buckets
// double in width and each holds 1024 linear counters, so a counter spans at most 1/1024
// (< 0.1%) of the values it holds. Exact min, max and sum are kept beside the counters, so
// min(), max() and mean() are exact, and percentiles never leave [min, max].
//
// Memory: counts_length (23,552) 64-bit counters in 23 pages of 1,024, one page per doubling of
// the value (8 KiB each); a page is allocated by the first value that falls in it and kept from
// then on. A histogram that never receives a value (TLS times of a plain HTTP run, an unused
// step) costs nothing, one whose values span a decade of latency about 32 KiB, and a full one
// 184 KiB: a run with thousands of rarely hit steps stays small. A worker's fresh histograms
// each second allocate on their first value in a page; every other record() is O(1) and
// allocation-free.
//
// Thread-safety: none. Each worker thread records into its own histograms and hands them over
// whole at an interval boundary; the receiver merges snapshots on its own thread.
//
// A moved-from histogram is empty and gives up its counters, like a new one; any operation on
// it is valid.
#pragma once

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace stampede::metrics {

namespace detail {

constexpr int floor_log2(std::uint64_t v) {
  return 63 - std::countl_zero(v | 1);
}

constexpr int ceil_log2(std::uint64_t v) {
  return v <= 1 ? 0 : 64 - std::countl_zero(v - 1);
}

constexpr std::uint64_t pow10(int n) {
  std::uint64_t r = 1;
  for (int i = 0; i < n; ++i) {
    r *= 10;
  }
  return r;
}

}  // namespace detail

class histogram {
 public:
  // The parameters; everything below them is derived as hdr_calculate_bucket_config() does in
  // HdrHistogram_c.
  static constexpr std::uint64_t lowest_discernible = 1;                ///< 1 µs
  static constexpr std::uint64_t highest_trackable = 3'600'000'000ULL;  ///< 1 h in µs
  static constexpr int significant_digits = 3;

  /// Values below 2 * 10^digits need a counter each to keep `significant_digits`.
  static constexpr int sub_bucket_count_magnitude =
      detail::ceil_log2(2 * detail::pow10(significant_digits));
  static constexpr int sub_bucket_half_count_magnitude = sub_bucket_count_magnitude - 1;
  static constexpr int unit_magnitude = detail::floor_log2(lowest_discernible);
  static constexpr std::uint64_t sub_bucket_count = 1ULL << sub_bucket_count_magnitude;
  static constexpr std::uint64_t sub_bucket_half_count = sub_bucket_count / 2;
  static constexpr std::uint64_t sub_bucket_mask = (sub_bucket_count - 1) << unit_magnitude;
  static constexpr std::size_t bucket_count = [] {
    std::uint64_t smallest_untrackable = sub_bucket_count << unit_magnitude;
    std::size_t buckets = 1;
    while (smallest_untrackable <= highest_trackable) {
      smallest_untrackable <<= 1;
      ++buckets;
    }
    return buckets;
  }();
  /// Bucket 0 uses all its sub-buckets; every later bucket only its upper half, the lower
  /// half being covered by the bucket before it.
  static constexpr std::size_t counts_length = (bucket_count + 1) * sub_bucket_half_count;

  histogram();
  histogram(const histogram& other);
  histogram& operator=(const histogram& other);
  histogram(histogram&& other) noexcept;
  histogram& operator=(histogram&& other) noexcept;
  ~histogram() = default;

  /// O(1); allocates only the first value's counters.
  void record(std::uint64_t value) noexcept { record_n(value, 1); }
  /// Records `value` n times; n == 0 changes nothing.
  void record_n(std::uint64_t value, std::uint64_t n) noexcept {
    if (value > highest_trackable) [[unlikely]] {
      value = highest_trackable;
      clamped_ += n;
    }
    if (n == 0) [[unlikely]] {
      return;
    }
    slot(index_of(value)) += n;
    total_ += n;
    sum_ += value * n;
    // Both compile to conditional moves: no branch to mispredict on the request path.
    min_ = value < min_ ? value : min_;
    max_ = value > max_ ? value : max_;
  }

  /// Adds every count of `other`; the result is exactly what recording both would give.
  void merge(const histogram& other);
  /// Back to empty; clears only the counters between min and max.
  void reset() noexcept;

  std::uint64_t count() const noexcept { return total_; }
  bool empty() const noexcept { return total_ == 0; }
  /// Exact; 0 when empty.
  std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
  /// Exact; 0 when empty.
  std::uint64_t max() const noexcept { return max_; }
  /// Sum of the recorded values (a clamped value adds highest_trackable); wraps past 2^64,
  /// which takes over 5 billion hour-long values.
  std::uint64_t sum() const noexcept { return sum_; }
  double mean() const noexcept {
    return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0.0;
  }
  /// How many of count() were recorded above highest_trackable.
  std::uint64_t clamped() const noexcept { return clamped_; }

  /// The value at percentile p (0..100, HdrHistogram semantics): the highest value equivalent
  /// to the counter where the cumulative count first reaches ceil(p% of count), kept within
  /// the exact [min, max]. p <= 0 (or NaN) gives min(), p >= 100 max(); 0 when empty.
  std::uint64_t value_at_percentile(double p) const noexcept;

  /// Calls f(lowest, highest, count) for each non-empty counter, in ascending order; every
  /// value in [lowest, highest] shares that counter.
  template <std::invocable<std::uint64_t, std::uint64_t, std::uint64_t> F>
  void for_each_recorded(F&& f) const {
    if (total_ == 0) {
      return;
    }
    const auto last = index_of(max_);
    for (auto i = index_of(min_); i <= last; ++i) {
      const auto* page = pages_[i >> page_magnitude].get();
      if (page == nullptr) {
        i |= page_size - 1;  // the page's last index; the loop steps to the next page
        continue;
      }
      if (const auto c = page[i & (page_size - 1)]; c != 0) {
        const auto low = value_at_index(i);
        f(low, highest_equivalent(low), c);
      }
    }
  }

  /// Compact binary form: a format version byte; varints for count, min, max, sum and
  /// clamped; then the counters as varint tokens, 2n+1 for a run of n > 0 empty counters and
  /// 2c for one counter holding c > 0, up to the last non-empty one.
  std::string encode() const;
  /// Accepts exactly what encode() produces: truncated, malformed or inconsistent input gives
  /// nullopt, and nothing is read out of bounds.
  static std::optional<histogram> decode(std::string_view bytes);

  /// encode() as standard base64 (RFC 4648, padded), for JSON and text.
  std::string encode_base64() const;
  static std::optional<histogram> decode_base64(std::string_view text);

  /// Smallest and largest values that share `value`'s counter.
  static std::uint64_t lowest_equivalent(std::uint64_t value) noexcept {
    return value_at_index(index_of(value));
  }
  static std::uint64_t highest_equivalent(std::uint64_t value) noexcept {
    return lowest_equivalent(value) + (1ULL << (bucket_of(value) + unit_magnitude)) - 1;
  }

  /// The counters' memory: 8 KiB for each page a value fell in.
  std::size_t bytes_allocated() const noexcept {
    std::size_t pages = 0;
    for (const auto& p : pages_) {
      pages += p ? 1 : 0;
    }
    return pages * page_size * sizeof(std::uint64_t);
  }

  /// Equal when every counter and total matches.
  friend bool operator==(const histogram& a, const histogram& b) noexcept;

 private:
  static int bucket_of(std::uint64_t value) noexcept {
    // The bit length of value, less the bits that sub-bucket 0 covers. OR-ing the mask in
    // puts every value below sub_bucket_count into bucket 0 without a branch.
    return 64 - std::countl_zero(value | sub_bucket_mask) - unit_magnitude -
           (sub_bucket_half_count_magnitude + 1);
  }
  static std::size_t index_of(std::uint64_t value) noexcept {
    const int bucket = bucket_of(value);
    const auto sub_bucket = value >> (bucket + unit_magnitude);
    return (static_cast<std::size_t>(bucket + 1) << sub_bucket_half_count_magnitude) +
           static_cast<std::size_t>(sub_bucket - sub_bucket_half_count);
  }
  static std::uint64_t value_at_index(std::size_t index) noexcept;

  // A page holds the counters of one bucket half: the values of one doubling.
  static constexpr int page_magnitude = sub_bucket_half_count_magnitude;
  static constexpr std::size_t page_size = std::size_t{1} << page_magnitude;
  static constexpr std::size_t page_count = counts_length / page_size;

  /// Counter `index`, its page allocated (zeroed) on first use. Failing to allocate 8 KiB
  /// terminates, as any allocation failure in a noexcept function does.
  std::uint64_t& slot(std::size_t index) noexcept {
    auto& page = pages_[index >> page_magnitude];
    if (!page) [[unlikely]] {
      page = std::make_unique<std::uint64_t[]>(page_size);  // value-initialized
    }
    return page[index & (page_size - 1)];
  }
  /// Counter `index`; 0 in a page never allocated.
  std::uint64_t count_at(std::size_t index) const noexcept {
    const auto* page = pages_[index >> page_magnitude].get();
    return page != nullptr ? page[index & (page_size - 1)] : 0;
  }

  std::array<std::unique_ptr<std::uint64_t[]>, page_count> pages_;  ///< null until first used
  std::uint64_t total_ = 0;
  std::uint64_t min_ = UINT64_MAX;  ///< UINT64_MAX while empty
  std::uint64_t max_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t clamped_ = 0;
};

static_assert(histogram::sub_bucket_count == 2048 && histogram::sub_bucket_half_count == 1024);
static_assert(histogram::bucket_count == 22 && histogram::counts_length == 23552);

}  // namespace stampede::metrics

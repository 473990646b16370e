// SPDX-License-Identifier: Apache-2.0
// The distinct reasons behind each error class, with their counts: "protocol 393" becomes
// "malformed status line 100, malformed chunk size 100, response headers larger than 64 KiB
// 93, ...". A bounded table per metric set: reasons past its capacity are counted together.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/error_class.hpp"

namespace stampede::metrics {

/// What groups failures into one reason, without formatting anything: a stable object (a
/// request step, a check) and a code (a status), or nothing, when the reason's text itself is
/// the key.
struct reason_key {
  const void* id = nullptr;
  std::int64_t code = 0;
};

/// The reason under which failures past a table's capacity are counted.
inline constexpr std::string_view other_reasons = "(other reasons)";

/// Thread-safety: none (one per metric set). The bound is per class, so a class with many
/// reasons (a status per step) never crowds out another's; it holds for a second's set and
/// for a run's totals alike.
class error_reasons {
 public:
  /// Distinct reasons kept per class; later new ones count under `other_reasons`.
  static constexpr std::size_t capacity = 64;

  struct entry {
    error_class cls = error_class::other;
    std::string reason;
    std::uint64_t count = 0;
    reason_key key;  ///< how the recording worker found it again; not carried by merges
  };

  /// Counts `n` failures of `cls` for the reason keyed `key`; `text()` (returning the reason)
  /// runs only when the reason is new to the table.
  template <class Text>
  void count(error_class cls, reason_key key, Text&& text, std::uint64_t n = 1) {
    for (auto& e : entries_) {
      if (e.cls == cls && e.key.id == key.id && e.key.code == key.code) {
        e.count += n;
        return;
      }
    }
    add_keyed(cls, key, std::string(text()), n);
  }
  /// Counts `n` failures of `cls` whose reason is `reason` itself.
  void count_text(error_class cls, std::string_view reason, std::uint64_t n = 1);

  /// Adds another table's counts, matching reasons by text; exact in total per class.
  void merge(const error_reasons& other);

  const std::vector<entry>& entries() const { return entries_; }
  /// Failures of each class counted under `other_reasons`.
  const std::array<std::uint64_t, error_class_count>& overflow() const { return overflow_; }
  bool empty() const { return entries_.empty(); }

 private:
  void add(error_class cls, reason_key key, std::string reason, std::uint64_t n);
  /// A reason new to its key: the entry of the same text when there is one (counted by text,
  /// or under another key), else a new one.
  void add_keyed(error_class cls, reason_key key, std::string reason, std::uint64_t n);

  std::vector<entry> entries_;
  std::array<std::uint64_t, error_class_count> overflow_{};
  std::array<std::size_t, error_class_count> kept_{};  ///< entries per class
};

}  // namespace stampede::metrics

// SPDX-License-Identifier: Apache-2.0
#include "metrics/error_reasons.hpp"

namespace stampede::metrics {

void error_reasons::count_text(error_class cls, std::string_view reason, std::uint64_t n) {
  if (reason == other_reasons) {
    overflow_[static_cast<std::size_t>(cls)] += n;
    return;
  }
  for (auto& e : entries_) {
    if (e.cls == cls && e.reason == reason) {
      e.count += n;
      return;
    }
  }
  add(cls, {}, std::string(reason), n);
}

void error_reasons::merge(const error_reasons& other) {
  for (const auto& e : other.entries_) {
    count_text(e.cls, e.reason, e.count);
  }
  for (std::size_t i = 0; i < overflow_.size(); ++i) {
    overflow_[i] += other.overflow_[i];
  }
}

void error_reasons::add_keyed(error_class cls, reason_key key, std::string reason,
                              std::uint64_t n) {
  for (auto& e : entries_) {
    if (e.cls == cls && e.reason == reason) {
      e.count += n;
      if (e.key.id == nullptr) {
        e.key = key;  // found by its key from now on
      }
      return;
    }
  }
  add(cls, key, std::move(reason), n);
}

void error_reasons::add(error_class cls, reason_key key, std::string reason, std::uint64_t n) {
  const auto i = static_cast<std::size_t>(cls);
  if (kept_[i] >= capacity) {
    overflow_[i] += n;
    return;
  }
  ++kept_[i];
  entries_.push_back({cls, std::move(reason), n, key});
}

}  // namespace stampede::metrics

// SPDX-License-Identifier: Apache-2.0
// The streams in flight on one HTTP/2 client connection, by stream id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

namespace stampede::protocol::http2 {

/// Maps a client's stream ids to what waits on them. nghttp2 calls back about eleven times per
/// stream, so finding one must be cheap: a client's ids are odd and grow by two, so id / 2
/// modulo a power of two is a slot that no other recent stream holds, and finding a stream is
/// one compare. A stream whose slot an older stream still holds (it stayed open while `size`
/// newer ones started) makes the slots double, up to max_slots; past that it waits in an
/// overflow map.
template <typename T>
class stream_table {
 public:
  static constexpr std::size_t initial_slots = 16;
  static constexpr std::size_t max_slots = 1024;

  stream_table() : slots_(initial_slots), mask_(initial_slots - 1) {}

  /// `id` must not be in the table already.
  void insert(std::int32_t id, T* value) {
    ++size_;
    while (true) {
      auto& slot = slot_of(id);
      if (slot.value == nullptr) {
        slot = {id, value};
        return;
      }
      if (slots_.size() >= max_slots) {
        overflow_.emplace(id, value);
        return;
      }
      grow();
    }
  }

  /// Null when `id` is not in flight (ended, cancelled, or a connection-level frame's 0).
  T* find(std::int32_t id) const noexcept {
    const auto& slot = slot_of(id);
    if (slot.id == id) {
      return slot.value;
    }
    if (overflow_.empty()) [[likely]] {
      return nullptr;
    }
    const auto it = overflow_.find(id);
    return it == overflow_.end() ? nullptr : it->second;
  }

  void erase(std::int32_t id) noexcept {
    auto& slot = slot_of(id);
    if (slot.id == id && slot.value != nullptr) {
      slot = {};
      --size_;
    } else if (overflow_.erase(id) != 0) {
      --size_;
    }
  }

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  std::size_t slot_count() const noexcept { return slots_.size(); }

  /// Calls f(id, value) for every stream in flight; f must not change the table.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& slot : slots_) {
      if (slot.value != nullptr) {
        f(slot.id, slot.value);
      }
    }
    for (const auto& [id, value] : overflow_) {
      f(id, value);
    }
  }

  /// Empties the table and returns what was in it.
  std::vector<T*> take_all() {
    std::vector<T*> all;
    all.reserve(size_);
    for_each([&](std::int32_t, T* value) { all.push_back(value); });
    for (auto& slot : slots_) {
      slot = {};
    }
    overflow_.clear();
    size_ = 0;
    return all;
  }

 private:
  struct slot {
    std::int32_t id = 0;  ///< 0 when empty: stream 0 is the connection, never a stream
    T* value = nullptr;
  };

  slot& slot_of(std::int32_t id) noexcept {
    return slots_.data()[(static_cast<std::uint32_t>(id) >> 1) & mask_];
  }
  const slot& slot_of(std::int32_t id) const noexcept {
    return slots_.data()[(static_cast<std::uint32_t>(id) >> 1) & mask_];
  }

  /// Twice the slots; every stream moves to its new slot, which no other can share: two ids
  /// in one slot of the doubled table were already in one slot of the old.
  void grow() {
    std::vector<slot> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = static_cast<std::uint32_t>(slots_.size() - 1);
    for (const auto& s : old) {
      if (s.value != nullptr) {
        slot_of(s.id) = s;
      }
    }
  }

  std::vector<slot> slots_;
  std::uint32_t mask_;  ///< slots - 1
  boost::unordered_flat_map<std::int32_t, T*> overflow_;
  std::size_t size_ = 0;
};

}  // namespace stampede::protocol::http2

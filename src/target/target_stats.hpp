// SPDX-License-Identifier: Apache-2.0
// What the built-in target saw: the oracle integration tests compare stampede's counts with.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace stampede::target {

/// The endpoints counted separately in requests_by_path.
enum class endpoint : std::uint8_t { root, delay, status, bytes, echo, json, close, other };
inline constexpr std::array<std::string_view, 8> endpoint_paths = {
    "/", "/delay", "/status", "/bytes", "/echo", "/json", "/close", "other"};

/// Counters shared by every target thread. Relaxed atomics: each counter is exact once the
/// traffic stops, which is when tests read them.
struct target_stats {
  std::atomic<std::uint64_t> requests{0};  ///< requests received, /stats and /stats/reset excluded
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::array<std::atomic<std::uint64_t>, endpoint_paths.size()> by_endpoint{};

  void count(endpoint e) {
    requests.fetch_add(1, std::memory_order_relaxed);
    by_endpoint[static_cast<std::size_t>(e)].fetch_add(1, std::memory_order_relaxed);
  }
  /// Records a connection's source address (once per connection, not per request), so tests
  /// can see that source-address rotation (--bind) reached the server.
  void note_remote(const std::string& address) {
    std::lock_guard lock(remotes_mutex_);
    remotes_.insert(address);
  }
  /// Zeroes everything but connections_open, which describes the present.
  void reset();
  std::string to_json() const;

 private:
  mutable std::mutex remotes_mutex_;
  std::set<std::string> remotes_;
};

}  // namespace stampede::target

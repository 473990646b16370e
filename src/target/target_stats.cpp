// SPDX-License-Identifier: Apache-2.0
// The target's counters as the JSON document GET /stats answers with.
#include "target/target_stats.hpp"

#include <nlohmann/json.hpp>

namespace stampede::target {

void target_stats::reset() {
  requests.store(0, std::memory_order_relaxed);
  connections_accepted.store(0, std::memory_order_relaxed);
  bytes_in.store(0, std::memory_order_relaxed);
  bytes_out.store(0, std::memory_order_relaxed);
  for (auto& c : by_endpoint) {
    c.store(0, std::memory_order_relaxed);
  }
  websocket_messages_in.store(0, std::memory_order_relaxed);
  websocket_messages_out.store(0, std::memory_order_relaxed);
  published.store(0, std::memory_order_relaxed);
  deliveries.store(0, std::memory_order_relaxed);
  sse_events.store(0, std::memory_order_relaxed);
  longpoll_messages.store(0, std::memory_order_relaxed);
  longpoll_timeouts.store(0, std::memory_order_relaxed);
  for (auto& slot : remote_slots_) {
    slot.store(0, std::memory_order_relaxed);
  }
  remote_count_.store(0, std::memory_order_relaxed);
}

void target_stats::note_remote(const boost::asio::ip::address& address) {
  // IPv4 addresses are their own key; IPv6 ones are hashed (FNV-1a), on a different top bit.
  std::uint64_t key = 0;
  if (address.is_v4()) {
    key = (std::uint64_t{1} << 63) | address.to_v4().to_uint();
  } else {
    key = 0xcbf29ce484222325ULL;
    for (const auto byte : address.to_v6().to_bytes()) {
      key = (key ^ byte) * 0x100000001b3ULL;
    }
    key = (key & ~(std::uint64_t{1} << 63)) | (std::uint64_t{1} << 62);
  }
  const auto start = static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 50);
  for (std::size_t probe = 0; probe < remote_slots_.size(); ++probe) {
    auto& slot = remote_slots_[(start + probe) % remote_slots_.size()];
    auto seen = slot.load(std::memory_order_relaxed);
    if (seen == 0 && slot.compare_exchange_strong(seen, key, std::memory_order_relaxed)) {
      remote_count_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (seen == key) {
      return;
    }
  }
  // Table full: more distinct addresses than are counted.
}

std::string target_stats::to_json() const {
  nlohmann::json by_path = nlohmann::json::object();
  for (std::size_t i = 0; i < endpoint_paths.size(); ++i) {
    if (const auto n = by_endpoint[i].load(std::memory_order_relaxed); n != 0) {
      by_path[std::string(endpoint_paths[i])] = n;
    }
  }
  const auto remotes = remote_count_.load(std::memory_order_relaxed);
  return nlohmann::json{
      {"requests", requests.load(std::memory_order_relaxed)},
      {"remote_addresses", remotes},
      {"connections_accepted", connections_accepted.load(std::memory_order_relaxed)},
      {"connections_open", connections_open.load(std::memory_order_relaxed)},
      {"bytes_in", bytes_in.load(std::memory_order_relaxed)},
      {"bytes_out", bytes_out.load(std::memory_order_relaxed)},
      {"requests_by_path", by_path},
      {"websocket",
       {{"open", websockets_open.load(std::memory_order_relaxed)},
        {"messages_in", websocket_messages_in.load(std::memory_order_relaxed)},
        {"messages_out", websocket_messages_out.load(std::memory_order_relaxed)}}},
      {"pubsub",
       {{"published", published.load(std::memory_order_relaxed)},
        {"deliveries", deliveries.load(std::memory_order_relaxed)}}},
      {"comet",
       {{"sse_open", sse_open.load(std::memory_order_relaxed)},
        {"sse_events", sse_events.load(std::memory_order_relaxed)},
        {"longpolls_waiting", longpolls_waiting.load(std::memory_order_relaxed)},
        {"longpoll_messages", longpoll_messages.load(std::memory_order_relaxed)},
        {"longpoll_timeouts", longpoll_timeouts.load(std::memory_order_relaxed)}}}}
      .dump();
}

}  // namespace stampede::target

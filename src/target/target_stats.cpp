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
  const std::lock_guard lock(remotes_mutex_);
  remotes_.clear();
}

void target_stats::note_remote(const boost::asio::ip::address& address) {
  const std::lock_guard lock(remotes_mutex_);
  remotes_.insert(address);
}

std::string target_stats::to_json() const {
  nlohmann::json by_path = nlohmann::json::object();
  for (std::size_t i = 0; i < endpoint_paths.size(); ++i) {
    if (const auto n = by_endpoint[i].load(std::memory_order_relaxed); n != 0) {
      by_path[std::string(endpoint_paths[i])] = n;
    }
  }
  std::size_t remotes = 0;
  {
    const std::lock_guard lock(remotes_mutex_);
    remotes = remotes_.size();
  }
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

// SPDX-License-Identifier: Apache-2.0
#include "target/target_stats.hpp"

#include <nlohmann/json.hpp>

namespace stampede::target {

void target_stats::reset() {
  requests = 0;
  connections_accepted = 0;
  bytes_in = 0;
  bytes_out = 0;
  for (auto& c : by_endpoint) {
    c = 0;
  }
  std::lock_guard lock(remotes_mutex_);
  remotes_.clear();
}

std::string target_stats::to_json() const {
  nlohmann::json by_path = nlohmann::json::object();
  for (std::size_t i = 0; i < endpoint_paths.size(); ++i) {
    if (const auto n = by_endpoint[i].load(); n != 0) {
      by_path[std::string(endpoint_paths[i])] = n;
    }
  }
  std::size_t remotes = 0;
  {
    std::lock_guard lock(remotes_mutex_);
    remotes = remotes_.size();
  }
  return nlohmann::json{{"requests", requests.load()},
                        {"remote_addresses", remotes},
                        {"connections_accepted", connections_accepted.load()},
                        {"connections_open", connections_open.load()},
                        {"bytes_in", bytes_in.load()},
                        {"bytes_out", bytes_out.load()},
                        {"requests_by_path", by_path}}
      .dump();
}

}  // namespace stampede::target

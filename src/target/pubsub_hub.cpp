// SPDX-License-Identifier: Apache-2.0
#include "target/pubsub_hub.hpp"

#include <vector>

namespace stampede::target {

void pubsub_hub::subscribe(const std::string& channel, std::shared_ptr<subscriber> s) {
  std::lock_guard lock(mutex_);
  channels_[channel].insert(std::move(s));
}

void pubsub_hub::unsubscribe(const std::string& channel, const std::shared_ptr<subscriber>& s) {
  std::lock_guard lock(mutex_);
  const auto it = channels_.find(channel);
  if (it == channels_.end()) {
    return;
  }
  it->second.erase(s);
  if (it->second.empty()) {
    channels_.erase(it);
  }
}

std::size_t pubsub_hub::publish(const std::string& channel, std::string message) {
  std::vector<std::shared_ptr<subscriber>> targets;
  {
    std::lock_guard lock(mutex_);
    const auto it = channels_.find(channel);
    if (it != channels_.end()) {
      targets.assign(it->second.begin(), it->second.end());
    }
  }
  // One copy of the message, shared by every subscriber; delivered outside the lock.
  const auto shared = std::make_shared<const std::string>(std::move(message));
  for (const auto& s : targets) {
    s->deliver(shared);
  }
  return targets.size();
}

}  // namespace stampede::target

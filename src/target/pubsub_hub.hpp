// SPDX-License-Identifier: Apache-2.0
// The built-in target's channels: POST /publish?channel=NAME hands a message to every
// subscriber of NAME (WebSocket /ws/pubsub today), whichever thread serves them.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace stampede::target {

/// Thread-safety: every member may be called from any thread.
class pubsub_hub {
 public:
  class subscriber {
   public:
    virtual ~subscriber() = default;
    /// Called on the publisher's thread: hand the message over to the subscriber's own
    /// thread and return at once.
    virtual void deliver(std::shared_ptr<const std::string> message) = 0;
  };

  void subscribe(const std::string& channel, std::shared_ptr<subscriber> s);
  void unsubscribe(const std::string& channel, const std::shared_ptr<subscriber>& s);
  /// Gives `message` to every current subscriber of `channel`; returns how many.
  std::size_t publish(const std::string& channel, std::string message);

 private:
  std::mutex mutex_;
  std::map<std::string, std::set<std::shared_ptr<subscriber>>> channels_;
};

}  // namespace stampede::target

// SPDX-License-Identifier: Apache-2.0
// The controller's monitors of the system under test (`stampede monitor`, attached over
// MonitorSession): each sample kept a while, stamped with the controller's clock as it
// arrives, so every run finds the samples of its seconds whatever the monitor's clock says.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/sut_source.hpp"

namespace stampede::control {

struct monitor_info {
  std::string name, target, host, peer;
  bool attached = false;
  std::int64_t last_sample_ms = 0;  ///< unix ms on the controller's clock, 0: none yet
};

/// Thread-safety: every member may be called from any thread.
class monitor_hub {
 public:
  /// A monitor's session began; nullopt, or why it is refused (that name is attached).
  std::optional<std::string> attach(const monitor_info& monitor);
  void detach(const std::string& name);
  /// A sample of monitor `name`, arrived at `arrival_ms`.
  void add(const std::string& name, std::int64_t arrival_ms, std::map<std::string, double> values);

  /// The samples that arrived in [from_ms, to_ms), by monitor: several in one window are
  /// merged (what they count added up, the levels the latest), none leaves the monitor out.
  engine::sut_second between(std::int64_t from_ms, std::int64_t to_ms) const;
  std::vector<monitor_info> list() const;

 private:
  struct sample {
    std::int64_t arrival_ms;
    std::map<std::string, double> values;
  };
  struct entry {
    monitor_info info;
    std::deque<sample> samples;  ///< the last few minutes, oldest first
  };
  mutable std::mutex mutex_;
  std::map<std::string, entry> monitors_;
};

/// A run's view of the hub: second i is what arrived in [start + i s, start + (i + 1) s).
class hub_source final : public engine::sut_source {
 public:
  hub_source(std::shared_ptr<const monitor_hub> hub, std::int64_t start_unix_ms)
      : hub_(std::move(hub)), start_ms_(start_unix_ms) {}
  engine::sut_second take(std::int64_t index) override {
    return hub_->between(start_ms_ + index * 1000, start_ms_ + (index + 1) * 1000);
  }

 private:
  std::shared_ptr<const monitor_hub> hub_;
  std::int64_t start_ms_;
};

}  // namespace stampede::control

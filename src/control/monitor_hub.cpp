// SPDX-License-Identifier: Apache-2.0
#include "control/monitor_hub.hpp"

#include <algorithm>

#include "metrics/sut_figures.hpp"

namespace stampede::control {
namespace {

/// Samples older than this are no run's any more: a run asks for each second as it completes.
constexpr std::int64_t kept_ms = 5 * 60 * 1000;

}  // namespace

std::optional<std::string> monitor_hub::attach(const monitor_info& monitor) {
  std::lock_guard lock(mutex_);
  auto& e = monitors_[monitor.name];
  if (e.info.attached) {
    return "a monitor named '" + monitor.name + "' is attached already (from " + e.info.peer +
           "); give this one another --name";
  }
  const auto last = e.info.last_sample_ms;
  e.info = monitor;
  e.info.attached = true;
  e.info.last_sample_ms = last;
  return std::nullopt;
}

void monitor_hub::detach(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (const auto it = monitors_.find(name); it != monitors_.end()) {
    it->second.info.attached = false;
  }
}

void monitor_hub::add(const std::string& name, std::int64_t arrival_ms,
                      std::map<std::string, double> values) {
  std::lock_guard lock(mutex_);
  auto& e = monitors_[name];
  e.samples.push_back({arrival_ms, std::move(values)});
  e.info.last_sample_ms = arrival_ms;
  while (!e.samples.empty() && e.samples.front().arrival_ms < arrival_ms - kept_ms) {
    e.samples.pop_front();
  }
}

engine::sut_second monitor_hub::between(std::int64_t from_ms, std::int64_t to_ms) const {
  std::lock_guard lock(mutex_);
  engine::sut_second out;
  for (const auto& [name, e] : monitors_) {
    const auto first =
        std::lower_bound(e.samples.begin(), e.samples.end(), from_ms,
                         [](const sample& s, std::int64_t t) { return s.arrival_ms < t; });
    for (auto it = first; it != e.samples.end() && it->arrival_ms < to_ms; ++it) {
      auto& merged = out[name];
      for (const auto& [key, v] : it->values) {
        const bool counted = metrics::fold_of(key) == metrics::sut_fold::total;
        merged[key] = counted && merged.count(key) != 0 ? merged[key] + v : v;
      }
    }
  }
  return out;
}

std::vector<monitor_info> monitor_hub::list() const {
  std::lock_guard lock(mutex_);
  std::vector<monitor_info> out;
  for (const auto& [name, e] : monitors_) {
    out.push_back(e.info);
  }
  return out;
}

}  // namespace stampede::control

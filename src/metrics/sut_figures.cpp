// SPDX-License-Identifier: Apache-2.0
#include "metrics/sut_figures.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <nlohmann/json.hpp>

namespace stampede::metrics {
namespace {

/// Every value a monitor samples (docs/monitor.md), and how it folds.
constexpr auto sut_keys = std::to_array<std::pair<std::string_view, sut_fold>>({
    {"processes", sut_fold::peak},
    {"pid", sut_fold::last},
    {"cpu", sut_fold::peak_and_mean},
    {"cpu_user", sut_fold::peak_and_mean},
    {"cpu_system", sut_fold::peak_and_mean},
    {"rss", sut_fold::peak},
    {"threads", sut_fold::peak},
    {"fds", sut_fold::peak},
    {"fd_limit", sut_fold::last},
    {"ctx_switches", sut_fold::total},
    {"cgroup_cpu", sut_fold::peak_and_mean},
    {"cgroup_throttled", sut_fold::total},
    {"cgroup_throttled_ms", sut_fold::total},
    {"cgroup_memory", sut_fold::peak},
    {"host_cpu", sut_fold::peak_and_mean},
    {"mem_available", sut_fold::low},
    {"load1", sut_fold::peak},
    {"psi_cpu", sut_fold::peak},
    {"psi_memory", sut_fold::peak},
    {"psi_io", sut_fold::peak},
    {"tcp_inuse", sut_fold::peak},
    {"tcp_orphan", sut_fold::peak},
    {"tcp_tw", sut_fold::peak},
    {"tcp_alloc", sut_fold::peak},
    {"tcp_mem", sut_fold::peak},
    {"tcp_retransmits", sut_fold::total},
    {"listen_overflows", sut_fold::total},
    {"listen_drops", sut_fold::total},
    {"slab_tcp", sut_fold::peak},
    {"slab_sock_inode", sut_fold::peak},
});

}  // namespace

sut_fold fold_of(std::string_view key) {
  for (const auto& [name, fold] : sut_keys) {
    if (name == key) {
      return fold;
    }
  }
  return sut_fold::peak;
}

sut_unit unit_of(std::string_view key) {
  key = key.substr(0, key.find('.'));
  for (const std::string_view percent : {"cpu", "cpu_user", "cpu_system", "cgroup_cpu", "host_cpu",
                                         "psi_cpu", "psi_memory", "psi_io"}) {
    if (key == percent) {
      return sut_unit::percent;
    }
  }
  for (const std::string_view bytes :
       {"rss", "cgroup_memory", "mem_available", "tcp_mem", "slab_tcp", "slab_sock_inode"}) {
    if (key == bytes) {
      return sut_unit::bytes;
    }
  }
  return sut_unit::number;
}

void sut_accumulator::add(const std::map<std::string, double>& second) {
  ++samples_;
  for (const auto& [key, value] : second) {
    auto [max, fresh] = max_.try_emplace(key, value);
    max->second = std::max(max->second, value);
    auto [min, _] = min_.try_emplace(key, value);
    min->second = std::min(min->second, value);
    sum_[key] += value;
    last_[key] = value;
    ++seen_[key];
  }
}

sut_figures sut_accumulator::figures() const {
  sut_figures f;
  f["samples"] = static_cast<double>(samples_);
  for (const auto& [key, max] : max_) {
    switch (fold_of(key)) {
      case sut_fold::total:
        f[key] = sum_.at(key);
        break;
      case sut_fold::peak:
        f[key + ".max"] = max;
        break;
      case sut_fold::peak_and_mean:
        f[key + ".max"] = max;
        f[key + ".mean"] = sum_.at(key) / static_cast<double>(seen_.at(key));
        break;
      case sut_fold::low:
        f[key + ".min"] = min_.at(key);
        break;
      case sut_fold::last:
        f[key] = last_.at(key);
        break;
    }
  }
  return f;
}

nlohmann::json sut_to_json(const sut_figures& f) {
  auto j = nlohmann::json::object();
  for (const auto& [key, value] : f) {
    const auto dot = key.find('.');
    if (dot == std::string::npos) {
      j[key] = value;
    } else {
      j[key.substr(0, dot)][key.substr(dot + 1)] = value;
    }
  }
  return j;
}

sut_figures sut_from_json(const nlohmann::json& j) {
  sut_figures f;
  for (const auto& [key, value] : j.items()) {
    if (value.is_object()) {
      for (const auto& [stat, v] : value.items()) {
        if (v.is_number()) {
          f[key + "." + stat] = v.get<double>();
        }
      }
    } else if (value.is_number()) {
      f[key] = value.get<double>();
    }
  }
  return f;
}

std::optional<double> sut_metric(const std::map<std::string, sut_figures>& sut,
                                 std::string_view metric) {
  constexpr std::string_view prefix = "sut.";
  if (metric.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  const auto rest = metric.substr(prefix.size());
  if (is_sut_figure(rest)) {
    // Over every monitor: the highest, or the lowest of what runs out.
    const bool lowest = rest.size() > 4 && rest.substr(rest.size() - 4) == ".min";
    std::optional<double> best;
    for (const auto& [name, figures] : sut) {
      if (const auto it = figures.find(std::string(rest)); it != figures.end()) {
        best = !best    ? it->second
               : lowest ? std::min(*best, it->second)
                        : std::max(*best, it->second);
      }
    }
    return best;
  }
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  const auto monitor = sut.find(std::string(rest.substr(0, dot)));
  if (monitor == sut.end()) {
    return std::nullopt;
  }
  const auto it = monitor->second.find(std::string(rest.substr(dot + 1)));
  return it == monitor->second.end() ? std::nullopt : std::optional<double>(it->second);
}

bool is_sut_figure(std::string_view stat_key) {
  if (stat_key == "samples") {
    return true;
  }
  const auto dot = stat_key.find('.');
  const auto key = stat_key.substr(0, dot);
  const auto stat = dot == std::string_view::npos ? std::string_view() : stat_key.substr(dot + 1);
  for (const auto& [name, fold] : sut_keys) {
    if (name != key) {
      continue;
    }
    switch (fold) {
      case sut_fold::total:
      case sut_fold::last:
        return stat.empty();
      case sut_fold::peak:
        return stat == "max";
      case sut_fold::peak_and_mean:
        return stat == "max" || stat == "mean";
      case sut_fold::low:
        return stat == "min";
    }
  }
  return false;
}

}  // namespace stampede::metrics

// SPDX-License-Identifier: Apache-2.0
// The system under test over a whole run, per monitor: each per-second value folded the way it
// means something (peaks of levels, totals of counts, the lowest memory available), for the
// summary, its JSON (`sut`) and the thresholds on `sut.NAME.KEY`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace stampede::metrics {

/// One monitor's values over a run, by flat key: "cpu.max", "cpu.mean", "rss.max",
/// "listen_overflows" (a total), "mem_available.min", "samples", ...
using sut_figures = std::map<std::string, double>;

/// How a per-second value folds over a run.
enum class sut_fold {
  total,          ///< a count per second: summed (listen_overflows, ctx_switches)
  peak,           ///< a level: its maximum, "KEY.max" (rss, fds, tcp_tw)
  peak_and_mean,  ///< a percentage: "KEY.max" and "KEY.mean" (cpu, host_cpu)
  low,            ///< what runs out: its minimum, "KEY.min" (mem_available)
  last,           ///< an identity or a setting: the last seen (pid, fd_limit)
};
sut_fold fold_of(std::string_view key);

/// Folds one monitor's seconds.
class sut_accumulator {
 public:
  void add(const std::map<std::string, double>& second);
  sut_figures figures() const;

 private:
  std::uint64_t samples_ = 0;
  std::map<std::string, double> max_, min_, sum_, last_;
  std::map<std::string, std::uint64_t> seen_;
};

/// {"cpu": {"max": 93.5, "mean": 80.1}, "listen_overflows": 0, ...}: each "KEY.STAT" nested.
nlohmann::json sut_to_json(const sut_figures& f);
sut_figures sut_from_json(const nlohmann::json& j);

/// A threshold's `sut.NAME.KEY` (that monitor) or `sut.KEY` (the highest over the monitors,
/// the lowest for KEY.min); nullopt without the monitor or the value.
std::optional<double> sut_metric(const std::map<std::string, sut_figures>& sut,
                                 std::string_view metric);

/// What a value is measured in: a percentage (of one core for a process's cpu, of the host
/// for host_cpu, of time for psi_*), bytes, or a plain number.
enum class sut_unit { percent, bytes, number };
sut_unit unit_of(std::string_view key);

/// Whether `stat_key` ("cpu.max", "listen_overflows") is one a run's figures can have.
bool is_sut_figure(std::string_view stat_key);

}  // namespace stampede::metrics

// SPDX-License-Identifier: Apache-2.0
// Samples the system under test from /proc and the cgroup files, without root: one process
// (--pid), every process of a name (--process, found again each time, so restarts and new
// workers count), or a cgroup's processes (--cgroup); and the host around them. docs/monitor.md
// names every value and its unit.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stampede::monitor {

/// What to watch. Exactly one of pid, process and cgroup is set.
struct sut_target {
  std::string name;  ///< the series' name: [A-Za-z0-9_-], unique in a run
  std::int64_t pid = 0;
  std::string process;  ///< a command name, as /proc/PID/comm has it (15 bytes at most)
  std::string cgroup;   ///< a cgroup path ("/system.slice/nginx.service") or its directory
};

/// One sample: flat keys (cpu, rss, fds, listen_overflows, ...) and their values.
using sut_values = std::map<std::string, double>;

/// "--pid 123" style text of a target, for messages.
std::string describe(const sut_target& target);

/// The default name of a target without one: its process name, the cgroup's last part, or
/// "pid123"; characters outside [A-Za-z0-9_-] become '_'.
std::string default_name(const sut_target& target);

/// Thread-safety: none; one thread samples.
class sut_sampler {
 public:
  /// `proc` and `cgroups` are the roots the files are read under (tests point them elsewhere).
  explicit sut_sampler(sut_target target, std::string proc = "/proc",
                       std::string cgroups = "/sys/fs/cgroup");

  const sut_target& target() const { return target_; }

  /// Reads everything now. Percentages (cpu, of one core) cover the time since the previous
  /// sample, and counts (listen_overflows, ctx_switches, ...) what happened since; the first
  /// sample has the levels only.
  sut_values sample();

  /// The processes it watches now.
  std::vector<std::int64_t> matching_pids() const;

 private:
  struct process_ticks {
    std::uint64_t ticks = 0;  ///< utime + stime
    std::uint64_t user = 0, system = 0;
    std::uint64_t switches = 0;
  };
  std::vector<std::int64_t> cgroup_pids() const;
  void sample_processes(const std::vector<std::int64_t>& pids, double elapsed_s, sut_values& v);
  void sample_host(double elapsed_s, sut_values& v);
  void sample_cgroup(const std::vector<std::int64_t>& pids, double elapsed_s, sut_values& v);
  /// Adds (now - before) * scale / elapsed_s under `key`, when there was a before.
  void rate(sut_values& v, const std::string& key, std::optional<std::uint64_t> now,
            double elapsed_s, double scale);
  /// Adds (now - before) * scale under `key`: what a counter counted since the last sample.
  void count(sut_values& v, const std::string& key, std::optional<std::uint64_t> now,
             double scale = 1.0);
  std::string read(const std::string& path) const;

  sut_target target_;
  std::string proc_, cgroups_;
  long tick_hz_;
  long page_size_;
  bool procfs_ = false;  ///< `proc` is a procfs, whose fd directories' sizes are counts
  std::optional<std::chrono::steady_clock::time_point> last_;
  std::map<std::int64_t, process_ticks> ticks_;    ///< by pid, as of the last sample
  std::map<std::string, std::uint64_t> counters_;  ///< host and cgroup counters, last sample
};

}  // namespace stampede::monitor

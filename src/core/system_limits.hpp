// SPDX-License-Identifier: Apache-2.0
// What limits how many connections this machine can hold, and how to raise each limit:
// the checks behind `stampede doctor`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stampede::core {

/// Raw readings; each is nullopt when it could not be read (not Linux, no permission, or the
/// module is not loaded, as with conntrack).
struct system_readings {
  std::optional<std::uint64_t> nofile_soft, nofile_hard;  ///< RLIMIT_NOFILE; RLIM_INFINITY as is
  std::optional<std::uint64_t> nr_open;                   ///< fs.nr_open
  std::optional<std::uint64_t> file_max;                  ///< fs.file-max
  std::optional<std::uint64_t> port_low, port_high;       ///< net.ipv4.ip_local_port_range
  std::optional<std::uint64_t> somaxconn;                 ///< net.core.somaxconn
  std::optional<std::uint64_t> tcp_tw_reuse;              ///< net.ipv4.tcp_tw_reuse: 0, 1 or 2
  std::optional<std::uint64_t> syn_backlog;               ///< net.ipv4.tcp_max_syn_backlog
  std::optional<std::uint64_t> conntrack_max;             ///< net.netfilter.nf_conntrack_max
  std::optional<std::uint64_t> mem_total_kb, mem_available_kb;  ///< /proc/meminfo, KiB
  std::optional<std::uint64_t> threads_max;                     ///< kernel.threads-max

  /// False when nothing at all could be read: `stampede doctor` then has nothing to say.
  bool any() const;
};

/// Reads this machine's /proc and getrlimit. Never throws; unreadable values stay nullopt.
system_readings read_system();

enum class finding_status { ok, warn };
std::string_view to_string(finding_status s);

/// One limit, what it means for a load test, and how to raise it.
struct finding {
  std::string name;     ///< e.g. "open files per process", "ephemeral ports", "net.core.somaxconn"
  std::string current;  ///< the reading as text ("unknown" when it could not be read)
  std::string allows;   ///< what it means in connections, e.g. "at most 992 open connections..."
  finding_status status = finding_status::ok;  ///< warn: it will limit a large test
  std::string fix;  ///< the exact command that raises it; empty when there is nothing to do
};

/// The open-file limit stampede asks for: a million connections in one process.
inline constexpr std::uint64_t wanted_open_files = 1'048'576;
/// Descriptors a stampede process needs besides its connections (stdio, epoll, timers, the
/// results database, the event fds of each thread).
inline constexpr std::uint64_t reserved_descriptors = 32;
/// Kernel memory of one idle loopback connection pair (both ends' sockets and minimal
/// buffers), measured on Linux 6.x; busy connections with full buffers take more.
inline constexpr std::uint64_t kernel_bytes_per_connection_pair = 9 * 1024;

/// Turns readings into findings, in a fixed order. Pure, so it is tested on fixed readings.
/// The open-file limit is always reported; other readings only when they were read.
std::vector<finding> assess(const system_readings& r);

/// Rough ceilings on concurrent connections, each with the reading that sets it.
struct capacity_estimate {
  std::optional<std::uint64_t> per_process;  ///< connections one stampede process can open
  std::string per_process_limited_by;        ///< e.g. "open files"
  /// Connection pairs (stampede and the target both on this machine, as in a loopback test).
  std::optional<std::uint64_t> pairs_per_machine;
  std::string pairs_per_machine_limited_by;  ///< e.g. "memory", "fs.file-max"
  /// Connections from one source address to one destination address and port.
  std::optional<std::uint64_t> per_source_address;
};
capacity_estimate estimate(const system_readings& r);

/// Counts for people: exact below 100 000, then "~2.7M" style.
std::string approximate_count(std::uint64_t n);

}  // namespace stampede::core

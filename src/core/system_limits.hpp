// SPDX-License-Identifier: Apache-2.0
// What limits how many connections this machine can hold, and how to raise each limit:
// the checks behind `stampede doctor`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stampede::core {

/// Raw readings; each is nullopt when it could not be read (not Linux, no permission).
struct system_readings {
  std::optional<std::uint64_t> nofile_soft, nofile_hard;  ///< RLIMIT_NOFILE
  std::optional<std::uint64_t> nr_open;                   ///< fs.nr_open
  std::optional<std::uint64_t> file_max;                  ///< fs.file-max
  std::optional<std::uint64_t> port_low, port_high;       ///< net.ipv4.ip_local_port_range
  std::optional<std::uint64_t> somaxconn;                 ///< net.core.somaxconn
  std::optional<std::uint64_t> tcp_tw_reuse;              ///< net.ipv4.tcp_tw_reuse
  std::optional<std::uint64_t> syn_backlog;               ///< net.ipv4.tcp_max_syn_backlog
  std::optional<std::uint64_t> conntrack_max;             ///< net.netfilter.nf_conntrack_max
  std::optional<std::uint64_t> mem_total_kb, mem_available_kb;
  std::optional<std::uint64_t> threads_max;  ///< kernel.threads-max
};

/// Reads this machine's /proc and getrlimit.
system_readings read_system();

struct finding {
  std::string name;     ///< e.g. "open files per process"
  std::string current;  ///< the reading as text
  std::string allows;   ///< what it means for a load test
  bool ok = true;       ///< false: it will limit a large test
  std::string fix;      ///< the exact command that raises it; empty when nothing to do
};

/// Kernel memory of one loopback connection pair (both ends' socket and buffers), measured.
inline constexpr std::uint64_t kernel_bytes_per_connection_pair = 9 * 1024;

/// Turns readings into findings; pure, so it is tested on fixed readings.
std::vector<finding> assess(const system_readings& r);

/// Rough ceilings: connections one process can hold, and connection pairs this machine's
/// memory can hold (client and server on the same machine).
std::uint64_t connections_per_process(const system_readings& r);
std::uint64_t connection_pairs_by_memory(const system_readings& r);

}  // namespace stampede::core

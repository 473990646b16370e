// SPDX-License-Identifier: Apache-2.0
// The /proc and cgroup files the monitor reads, parsed from their text: pure functions, so the
// layouts (proc(5), proc_pid_stat(5), the kernel's cgroup documents) are tested on fixed text.
// A field a file lacks is left unset rather than guessed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace stampede::monitor {

/// /proc/PID/stat, read after the last ')' because the command may hold spaces and parens.
struct pid_stat {
  std::string comm;
  std::uint64_t utime_ticks = 0, stime_ticks = 0;
  std::uint64_t threads = 0;
  std::uint64_t rss_pages = 0;
};
std::optional<pid_stat> parse_pid_stat(std::string_view text);

/// /proc/PID/status: the context switches, voluntary and not.
std::optional<std::uint64_t> parse_context_switches(std::string_view status_text);

/// /proc/PID/limits: the soft "Max open files"; nullopt for "unlimited" or without the line.
std::optional<std::uint64_t> parse_open_files_limit(std::string_view text);

/// /proc/stat's first line: every CPU's ticks, busy (all but idle and iowait) and total.
struct cpu_ticks {
  std::uint64_t busy = 0, total = 0;
};
std::optional<cpu_ticks> parse_cpu_ticks(std::string_view text);

/// /proc/meminfo: "NAME: VALUE kB" lines, in bytes.
std::optional<std::uint64_t> parse_meminfo(std::string_view text, std::string_view name);

/// /proc/loadavg: the one-minute load.
std::optional<double> parse_load1(std::string_view text);

/// /proc/pressure/{cpu,memory,io}: the "some" line's avg10 (percent of time stalled).
std::optional<double> parse_psi_some_avg10(std::string_view text);

/// /proc/net/sockstat's TCP line: inuse, orphan, tw, alloc and mem (pages).
std::map<std::string, std::uint64_t> parse_sockstat_tcp(std::string_view text);

/// /proc/net/snmp and /proc/net/netstat: pairs of lines "Prefix: names..." and "Prefix:
/// values..."; the named counter of the group `prefix` ("Tcp", "TcpExt").
std::optional<std::uint64_t> parse_counter_table(std::string_view text, std::string_view prefix,
                                                 std::string_view name);

/// "key value" lines (cgroup cpu.stat, memory.stat); the value of `key`.
std::optional<std::uint64_t> parse_keyed_value(std::string_view text, std::string_view key);

/// /proc/PID/cgroup: the process's path in the v1 hierarchy holding `controller` ("cpu",
/// "memory"), or in the v2 one ("0::/path") when `controller` is empty.
std::optional<std::string> parse_cgroup_path(std::string_view text, std::string_view controller);

/// /proc/slabinfo: the bytes the cache `name` holds (num_objs * objsize).
std::optional<std::uint64_t> parse_slab_bytes(std::string_view text, std::string_view name);

}  // namespace stampede::monitor

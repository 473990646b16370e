// SPDX-License-Identifier: Apache-2.0
// Reads the limits on connections from /proc and getrlimit, and explains each one.
#include "core/system_limits.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

namespace stampede::core {
namespace {

constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();
/// Kernels since 5.x set fs.file-max to LONG_MAX: no limit worth reporting as a number.
constexpr std::uint64_t practically_unlimited = 1ULL << 40;

/// The `field`th whitespace-separated number of a /proc file (ip_local_port_range has two).
std::optional<std::uint64_t> read_number(const char* path, int field = 0) {
  std::ifstream in(path);
  std::uint64_t v = 0;
  for (int i = 0; i <= field; ++i) {
    if (!(in >> v)) {
      return std::nullopt;
    }
  }
  return v;
}

std::optional<std::uint64_t> meminfo_kb(std::string_view key) {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
        line[key.size()] == ':') {
      std::istringstream fields(line.substr(key.size() + 1));
      std::uint64_t kb = 0;
      if (fields >> kb) {
        return kb;
      }
    }
  }
  return std::nullopt;
}

std::string text(const std::optional<std::uint64_t>& v) {
  if (!v) {
    return "unknown";
  }
  return *v == unlimited ? std::string("unlimited") : std::to_string(*v);
}

std::uint64_t pairs_by_memory(std::uint64_t available_kb) {
  return available_kb * 1024 / kernel_bytes_per_connection_pair;
}

/// The soft limit stampede should ask for: a million, unless fs.nr_open caps every process
/// below that (the nr_open finding then says how to raise it).
std::uint64_t open_files_goal(const system_readings& r) {
  return std::min(wanted_open_files, r.nr_open.value_or(wanted_open_files));
}

finding open_files(const system_readings& r) {
  finding f{"open files per process",
            fmt::format("soft {} / hard {}", text(r.nofile_soft), text(r.nofile_hard)), "",
            finding_status::ok, ""};
  if (!r.nofile_soft) {
    f.allows = "unknown: getrlimit(RLIMIT_NOFILE) failed";
    f.status = finding_status::warn;
    return f;
  }
  const auto soft = *r.nofile_soft;
  const auto usable = soft > reserved_descriptors ? soft - reserved_descriptors : 0;
  f.allows = fmt::format("at most {} open connections per process", text(usable));
  const auto goal = open_files_goal(r);
  if (soft >= goal) {
    return f;
  }
  f.status = finding_status::warn;
  const auto hard = r.nofile_hard.value_or(unlimited);
  if (hard >= goal) {
    f.fix = fmt::format("ulimit -n {}", goal);
  } else if (hard > soft) {
    f.fix = fmt::format(
        "ulimit -n {0}  (hard limit {0}: raise it in /etc/security/limits.conf or run more "
        "processes (stampede splits itself))",
        hard);
  } else {
    // Only root may raise a hard limit, so the shell command alone would fail here.
    f.fix = fmt::format(
        "hard limit {}: raise nofile to {} in /etc/security/limits.conf and log in again (then "
        "ulimit -n {}), or run more processes (stampede splits itself)",
        hard, goal, goal);
  }
  return f;
}

}  // namespace

bool system_readings::any() const {
  for (const auto* v : {&nofile_soft, &nofile_hard, &nr_open, &file_max, &port_low, &port_high,
                        &somaxconn, &tcp_tw_reuse, &syn_backlog, &conntrack_max, &mem_total_kb,
                        &mem_available_kb, &threads_max}) {
    if (v->has_value()) {
      return true;
    }
  }
  return false;
}

system_readings read_system() {
  system_readings r;
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    r.nofile_soft = nofile.rlim_cur == RLIM_INFINITY ? unlimited : nofile.rlim_cur;
    r.nofile_hard = nofile.rlim_max == RLIM_INFINITY ? unlimited : nofile.rlim_max;
  }
  r.nr_open = read_number("/proc/sys/fs/nr_open");
  r.file_max = read_number("/proc/sys/fs/file-max");
  r.port_low = read_number("/proc/sys/net/ipv4/ip_local_port_range", 0);
  r.port_high = read_number("/proc/sys/net/ipv4/ip_local_port_range", 1);
  r.somaxconn = read_number("/proc/sys/net/core/somaxconn");
  r.tcp_tw_reuse = read_number("/proc/sys/net/ipv4/tcp_tw_reuse");
  r.syn_backlog = read_number("/proc/sys/net/ipv4/tcp_max_syn_backlog");
  r.conntrack_max = read_number("/proc/sys/net/netfilter/nf_conntrack_max");
  r.mem_total_kb = meminfo_kb("MemTotal");
  r.mem_available_kb = meminfo_kb("MemAvailable");
  r.threads_max = read_number("/proc/sys/kernel/threads-max");
  return r;
}

std::string_view to_string(finding_status s) {
  return s == finding_status::ok ? "ok" : "warn";
}

std::string approximate_count(std::uint64_t n) {
  if (n < 100'000) {
    return std::to_string(n);
  }
  if (n < 1'000'000) {
    return fmt::format("~{}K", n / 1000);
  }
  if (n < 1'000'000'000) {
    return fmt::format("~{:.1f}M", static_cast<double>(n) / 1e6);
  }
  return fmt::format("~{:.1f}G", static_cast<double>(n) / 1e9);
}

std::vector<finding> assess(const system_readings& r) {
  using enum finding_status;
  std::vector<finding> out;
  out.push_back(open_files(r));
  if (r.nr_open) {
    finding f{"fs.nr_open", text(r.nr_open),
              fmt::format("no process may raise ulimit -n above {}", *r.nr_open), ok, ""};
    if (*r.nr_open < wanted_open_files) {
      f.status = warn;
      f.fix = fmt::format("sysctl -w fs.nr_open={}", wanted_open_files);
    }
    out.push_back(std::move(f));
  }
  if (r.file_max) {
    finding f{
        "fs.file-max", text(r.file_max),
        *r.file_max >= practically_unlimited
            ? std::string("no machine-wide limit on open files in practice")
            : fmt::format("at most {} open files on the whole machine, all processes", *r.file_max),
        ok, ""};
    // Twice the per-process goal: a loopback test holds both ends of every connection.
    if (*r.file_max < 2 * wanted_open_files) {
      f.status = warn;
      f.fix = fmt::format("sysctl -w fs.file-max={}", 2 * wanted_open_files);
    }
    out.push_back(std::move(f));
  }
  if (r.port_low && r.port_high) {
    const auto ports = *r.port_high >= *r.port_low ? *r.port_high - *r.port_low + 1 : 0;
    finding f{"ephemeral ports", fmt::format("{}-{}", *r.port_low, *r.port_high),
              fmt::format("{} ephemeral ports per (source IP, destination) pair", ports), ok, ""};
    if (ports < 60'000) {
      f.status = warn;
      f.fix = "sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"";
    }
    out.push_back(std::move(f));
  }
  if (r.somaxconn) {
    finding f{"net.core.somaxconn", text(r.somaxconn),
              fmt::format("listen queues hold at most {} connections not yet accepted; connect "
                          "bursts beyond that stall in SYN retries",
                          *r.somaxconn),
              ok, ""};
    if (*r.somaxconn < 4096) {
      f.status = warn;
      f.fix = "sysctl -w net.core.somaxconn=65535";
    }
    out.push_back(std::move(f));
  }
  if (r.syn_backlog) {
    finding f{"net.ipv4.tcp_max_syn_backlog", text(r.syn_backlog),
              fmt::format("at most {} half-open connections per listener during connect ramps",
                          *r.syn_backlog),
              ok, ""};
    if (*r.syn_backlog < 4096) {
      f.status = warn;
      f.fix = "sysctl -w net.ipv4.tcp_max_syn_backlog=65535";
    }
    out.push_back(std::move(f));
  }
  if (r.tcp_tw_reuse) {
    // 2 is the kernel default: reuse on loopback only, so tests against other machines that
    // reconnect often run out of ports while old ones wait out TIME_WAIT (60 s).
    finding f{"net.ipv4.tcp_tw_reuse", text(r.tcp_tw_reuse), "", ok, ""};
    if (*r.tcp_tw_reuse == 1) {
      f.allows = "ports in TIME_WAIT are reused for new outgoing connections";
    } else {
      f.allows = *r.tcp_tw_reuse == 2 ? "ports in TIME_WAIT are reused on loopback only: "
                                        "reconnecting tests against other hosts run out of ports"
                                      : "ports in TIME_WAIT are never reused: reconnecting tests "
                                        "run out of ports";
      f.status = warn;
      f.fix = "sysctl -w net.ipv4.tcp_tw_reuse=1";
    }
    out.push_back(std::move(f));
  }
  if (r.conntrack_max) {
    finding f{"net.netfilter.nf_conntrack_max", text(r.conntrack_max),
              fmt::format("the firewall tracks at most {} connections; new ones beyond are dropped",
                          *r.conntrack_max),
              ok, ""};
    if (*r.conntrack_max < 2 * wanted_open_files) {
      f.status = warn;
      f.fix = fmt::format("sysctl -w net.netfilter.nf_conntrack_max={}", 2 * wanted_open_files);
    }
    out.push_back(std::move(f));
  }
  if (r.mem_available_kb) {
    const auto pairs = pairs_by_memory(*r.mem_available_kb);
    finding f{"memory",
              fmt::format("{} MiB available of {} MiB", *r.mem_available_kb / 1024,
                          r.mem_total_kb ? std::to_string(*r.mem_total_kb / 1024) : "unknown"),
              fmt::format("{} loopback connection pairs by memory at ~{} KiB each",
                          approximate_count(pairs), kernel_bytes_per_connection_pair / 1024),
              ok, ""};
    if (pairs < 65'536) {
      f.status = warn;
      f.fix = "free memory, or run stampede on more machines";
    }
    out.push_back(std::move(f));
  }
  if (r.threads_max) {
    out.push_back({"kernel.threads-max", text(r.threads_max),
                   "stampede runs one thread per core, not per connection: no limit in practice",
                   ok, ""});
  }
  return out;
}

capacity_estimate estimate(const system_readings& r) {
  capacity_estimate e;
  if (r.nofile_soft) {
    e.per_process =
        *r.nofile_soft > reserved_descriptors ? *r.nofile_soft - reserved_descriptors : 0;
    e.per_process_limited_by = "open files";
    if (r.file_max && *r.file_max < *e.per_process) {
      e.per_process = *r.file_max;
      e.per_process_limited_by = "fs.file-max";
    }
  }
  const auto consider = [&e](std::uint64_t pairs, const char* reading) {
    if (!e.pairs_per_machine || pairs < *e.pairs_per_machine) {
      e.pairs_per_machine = pairs;
      e.pairs_per_machine_limited_by = reading;
    }
  };
  if (r.mem_available_kb) {
    consider(pairs_by_memory(*r.mem_available_kb), "memory");
  }
  if (r.file_max) {
    consider(*r.file_max / 2, "fs.file-max");  // each pair holds two descriptors
  }
  if (r.conntrack_max) {
    consider(*r.conntrack_max, "net.netfilter.nf_conntrack_max");
  }
  if (r.port_low && r.port_high && *r.port_high >= *r.port_low) {
    e.per_source_address = *r.port_high - *r.port_low + 1;
  }
  return e;
}

}  // namespace stampede::core

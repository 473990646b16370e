// SPDX-License-Identifier: Apache-2.0
#include "core/system_limits.hpp"

#include <sys/resource.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace stampede::core {
namespace {

constexpr std::uint64_t wanted_open_files = 1'048'576;

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

std::optional<std::uint64_t> meminfo(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
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
  return v ? std::to_string(*v) : std::string("unknown");
}

}  // namespace

system_readings read_system() {
  system_readings r;
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    r.nofile_soft = nofile.rlim_cur;
    r.nofile_hard = nofile.rlim_max;
  }
  r.nr_open = read_number("/proc/sys/fs/nr_open");
  r.file_max = read_number("/proc/sys/fs/file-max");
  r.port_low = read_number("/proc/sys/net/ipv4/ip_local_port_range", 0);
  r.port_high = read_number("/proc/sys/net/ipv4/ip_local_port_range", 1);
  r.somaxconn = read_number("/proc/sys/net/core/somaxconn");
  r.tcp_tw_reuse = read_number("/proc/sys/net/ipv4/tcp_tw_reuse");
  r.syn_backlog = read_number("/proc/sys/net/ipv4/tcp_max_syn_backlog");
  r.conntrack_max = read_number("/proc/sys/net/netfilter/nf_conntrack_max");
  r.mem_total_kb = meminfo("MemTotal");
  r.mem_available_kb = meminfo("MemAvailable");
  r.threads_max = read_number("/proc/sys/kernel/threads-max");
  return r;
}

std::uint64_t connections_per_process(const system_readings& r) {
  // A few descriptors go to the binary itself (stdio, epoll, timers, the database).
  const auto soft = r.nofile_soft.value_or(1024);
  return soft > 32 ? soft - 32 : 0;
}

std::uint64_t connection_pairs_by_memory(const system_readings& r) {
  return r.mem_available_kb.value_or(0) * 1024 / kernel_bytes_per_connection_pair;
}

std::vector<finding> assess(const system_readings& r) {
  std::vector<finding> out;
  {
    finding f{"open files per process",
              fmt::format("soft {} / hard {}", text(r.nofile_soft), text(r.nofile_hard)),
              fmt::format("at most {} connections per process", connections_per_process(r))};
    const auto soft = r.nofile_soft.value_or(0);
    const auto hard = r.nofile_hard.value_or(0);
    if (soft < wanted_open_files) {
      f.ok = false;
      if (hard > soft) {
        f.fix = fmt::format("ulimit -n {}", hard);
        if (hard < wanted_open_files) {
          f.fix += fmt::format(
              "  (hard limit {}: raise it in /etc/security/limits.conf, or run more processes: "
              "stampede splits itself)",
              hard);
        }
      } else {
        f.fix = fmt::format(
            "hard limit {}: raise nofile in /etc/security/limits.conf (then ulimit -n {}), or run "
            "more processes: stampede splits itself",
            hard, wanted_open_files);
      }
    }
    out.push_back(std::move(f));
  }
  if (r.nr_open) {
    finding f{"fs.nr_open", text(r.nr_open),
              fmt::format("no process may open more than {} files", *r.nr_open)};
    if (*r.nr_open < wanted_open_files) {
      f.ok = false;
      f.fix = fmt::format("sysctl -w fs.nr_open={}", wanted_open_files);
    }
    out.push_back(std::move(f));
  }
  if (r.file_max) {
    finding f{"fs.file-max", text(r.file_max),
              fmt::format("at most {} open files on the whole machine", *r.file_max)};
    if (*r.file_max < 2 * wanted_open_files) {
      f.ok = false;
      f.fix = fmt::format("sysctl -w fs.file-max={}", 2 * wanted_open_files);
    }
    out.push_back(std::move(f));
  }
  if (r.port_low && r.port_high) {
    const auto ports = *r.port_high >= *r.port_low ? *r.port_high - *r.port_low + 1 : 0;
    finding f{"ephemeral ports", fmt::format("{}-{}", *r.port_low, *r.port_high),
              fmt::format("{} connections per (source address, destination) pair; use --bind "
                          "with several source addresses for more",
                          ports)};
    if (ports < 60000) {
      f.ok = false;
      f.fix = "sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"";
    }
    out.push_back(std::move(f));
  }
  if (r.somaxconn) {
    finding f{"net.core.somaxconn", text(r.somaxconn),
              fmt::format("listen queues hold at most {} pending connections (target side)",
                          *r.somaxconn)};
    if (*r.somaxconn < 4096) {
      f.ok = false;
      f.fix = "sysctl -w net.core.somaxconn=65535";
    }
    out.push_back(std::move(f));
  }
  if (r.syn_backlog) {
    finding f{
        "net.ipv4.tcp_max_syn_backlog", text(r.syn_backlog),
        fmt::format("at most {} half-open connections during fast connect ramps", *r.syn_backlog)};
    if (*r.syn_backlog < 4096) {
      f.ok = false;
      f.fix = "sysctl -w net.ipv4.tcp_max_syn_backlog=65535";
    }
    out.push_back(std::move(f));
  }
  if (r.tcp_tw_reuse) {
    finding f{"net.ipv4.tcp_tw_reuse", text(r.tcp_tw_reuse),
              *r.tcp_tw_reuse == 1 ? "ports in TIME_WAIT are reused for new connections"
                                   : "ports in TIME_WAIT are not reused: reconnect-heavy tests "
                                     "run out of ports"};
    if (*r.tcp_tw_reuse != 1) {
      f.ok = false;
      f.fix = "sysctl -w net.ipv4.tcp_tw_reuse=1";
    }
    out.push_back(std::move(f));
  }
  if (r.conntrack_max) {
    finding f{"net.netfilter.nf_conntrack_max", text(r.conntrack_max),
              fmt::format("connection tracking drops packets beyond {} flows", *r.conntrack_max)};
    if (*r.conntrack_max < 2 * wanted_open_files) {
      f.ok = false;
      f.fix = fmt::format("sysctl -w net.netfilter.nf_conntrack_max={}", 2 * wanted_open_files);
    }
    out.push_back(std::move(f));
  }
  if (r.mem_available_kb) {
    out.push_back(
        {"memory",
         fmt::format("{} MiB available of {} MiB", *r.mem_available_kb / 1024,
                     r.mem_total_kb.value_or(0) / 1024),
         fmt::format("~{} loopback connection pairs at ~{} KiB of kernel memory each",
                     connection_pairs_by_memory(r), kernel_bytes_per_connection_pair / 1024),
         true,
         {}});
  }
  if (r.threads_max) {
    out.push_back({"kernel.threads-max",
                   text(r.threads_max),
                   "stampede uses one thread per core, not per user: no limit in practice",
                   true,
                   {}});
  }
  return out;
}

}  // namespace stampede::core

// SPDX-License-Identifier: Apache-2.0
#include "monitor/sut_sampler.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "monitor/proc_text.hpp"

namespace stampede::monitor {
namespace {

std::optional<std::int64_t> pid_of(const std::string& name) {
  std::int64_t pid = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || end != name.data() + name.size() || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

std::string cleaned(std::string s) {
  for (auto& c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    c = ok ? c : '_';
  }
  return s.empty() ? "sut" : s;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

/// Where a process's (or a named cgroup's) cgroup files are: the v2 directory, or the v1
/// directories of the cpu, cpuacct and memory controllers. Empty where not found.
struct cgroup_dirs {
  std::string unified, cpu, cpuacct, memory;
};

}  // namespace

std::string describe(const sut_target& target) {
  if (target.pid > 0) {
    return "--pid " + std::to_string(target.pid);
  }
  if (!target.process.empty()) {
    return "--process " + target.process;
  }
  return "--cgroup " + target.cgroup;
}

std::string default_name(const sut_target& target) {
  if (!target.name.empty()) {
    return cleaned(target.name);
  }
  if (!target.process.empty()) {
    return cleaned(target.process);
  }
  if (!target.cgroup.empty()) {
    auto path = target.cgroup;
    while (path.size() > 1 && path.back() == '/') {
      path.pop_back();
    }
    return cleaned(path.substr(path.rfind('/') + 1));
  }
  return "pid" + std::to_string(target.pid);
}

sut_sampler::sut_sampler(sut_target target, std::string proc, std::string cgroups)
    : target_(std::move(target)),
      proc_(std::move(proc)),
      cgroups_(std::move(cgroups)),
      tick_hz_(::sysconf(_SC_CLK_TCK)),
      page_size_(::sysconf(_SC_PAGESIZE)) {
  struct statfs fs {};
  procfs_ = ::statfs(proc_.c_str(), &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
  if (target_.name.empty()) {
    target_.name = default_name(target_);
  }
}

std::string sut_sampler::read(const std::string& path) const {
  std::ifstream in(path);
  if (!in) {
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::int64_t> sut_sampler::matching_pids() const {
  std::vector<std::int64_t> pids;
  if (target_.pid > 0) {
    if (exists(proc_ + "/" + std::to_string(target_.pid) + "/stat")) {
      pids.push_back(target_.pid);
    }
    return pids;
  }
  if (!target_.cgroup.empty()) {
    return cgroup_pids();
  }
  // The kernel keeps 15 bytes of a command's name.
  const auto wanted = target_.process.substr(0, 15);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(proc_, ec)) {
    const auto pid = pid_of(entry.path().filename().string());
    if (!pid) {
      continue;
    }
    auto comm = read(entry.path().string() + "/comm");
    while (!comm.empty() && comm.back() == '\n') {
      comm.pop_back();
    }
    if (comm == wanted) {
      pids.push_back(*pid);
    }
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

namespace {

cgroup_dirs dirs_of(const std::string& cgroups, const std::string& v1_cpu,
                    const std::string& v1_memory, const std::string& v2) {
  cgroup_dirs d;
  const auto under = [&](const std::string& base, const std::string& path) {
    const auto dir = base + (path == "/" ? "" : path);
    return !path.empty() && path != "/" && exists(dir) ? dir : std::string();
  };
  if (exists(cgroups + "/cgroup.controllers")) {
    d.unified = under(cgroups, v2);  // cgroup v2 only
  } else {
    d.unified = under(cgroups + "/unified", v2);
    for (const auto* name : {"/cpu", "/cpu,cpuacct"}) {
      if (d.cpu.empty()) {
        d.cpu = under(cgroups + name, v1_cpu);
      }
    }
    for (const auto* name : {"/cpuacct", "/cpu,cpuacct"}) {
      if (d.cpuacct.empty()) {
        d.cpuacct = under(cgroups + name, v1_cpu);
      }
    }
    d.memory = under(cgroups + "/memory", v1_memory);
  }
  return d;
}

cgroup_dirs named_dirs(const std::string& cgroups, std::string path) {
  if (path.rfind(cgroups, 0) == 0) {
    // A directory given whole: which hierarchy it is in says what it holds.
    const auto rest = path.substr(cgroups.size());
    cgroup_dirs d;
    if (exists(cgroups + "/cgroup.controllers") || rest.rfind("/unified/", 0) == 0) {
      d.unified = path;
    } else if (rest.rfind("/memory/", 0) == 0) {
      d.memory = path;
    } else if (rest.rfind("/cpuacct/", 0) == 0) {
      d.cpuacct = path;
    } else {
      d.cpu = path;
      d.cpuacct = exists(path + "/cpuacct.usage") ? path : std::string();
    }
    return d;
  }
  if (path.empty() || path.front() != '/') {
    path = "/" + path;
  }
  return dirs_of(cgroups, path, path, path);
}

}  // namespace

std::vector<std::int64_t> sut_sampler::cgroup_pids() const {
  const auto d = named_dirs(cgroups_, target_.cgroup);
  std::vector<std::int64_t> pids;
  for (const auto* dir : {&d.unified, &d.cpu, &d.memory, &d.cpuacct}) {
    if (dir->empty() || !pids.empty()) {
      continue;
    }
    std::istringstream procs(read(*dir + "/cgroup.procs"));
    std::string line;
    while (std::getline(procs, line)) {
      if (const auto pid = pid_of(line)) {
        pids.push_back(*pid);
      }
    }
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

void sut_sampler::rate(sut_values& v, const std::string& key, std::optional<std::uint64_t> now,
                       double elapsed_s, double scale) {
  count(v, key, now, scale / elapsed_s);
}

void sut_sampler::count(sut_values& v, const std::string& key, std::optional<std::uint64_t> now,
                        double scale) {
  if (!now) {
    return;
  }
  const auto it = counters_.find(key);
  if (it != counters_.end() && std::isfinite(scale) && *now >= it->second) {
    v[key] = static_cast<double>(*now - it->second) * scale;
  }
  counters_[key] = *now;
}

sut_values sut_sampler::sample() {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed_s = last_ ? std::chrono::duration<double>(now - *last_).count() : 0.0;
  last_ = now;
  sut_values v;
  const auto pids = matching_pids();
  sample_processes(pids, elapsed_s, v);
  sample_cgroup(pids, elapsed_s, v);
  sample_host(elapsed_s, v);
  return v;
}

void sut_sampler::sample_processes(const std::vector<std::int64_t>& pids, double elapsed_s,
                                   sut_values& v) {
  v["processes"] = static_cast<double>(pids.size());
  if (target_.pid > 0 || pids.size() == 1) {
    if (!pids.empty()) {
      v["pid"] = static_cast<double>(pids.front());
    }
  }
  std::map<std::int64_t, process_ticks> seen;
  double cpu = 0, user = 0, system = 0, switches = 0, rss = 0, threads = 0, fds = 0;
  std::optional<std::uint64_t> fd_limit;
  bool rates = false;
  for (const auto pid : pids) {
    const auto dir = proc_ + "/" + std::to_string(pid);
    const auto stat = parse_pid_stat(read(dir + "/stat"));
    if (!stat) {
      continue;  // gone between the listing and now
    }
    process_ticks t;
    t.user = stat->utime_ticks;
    t.system = stat->stime_ticks;
    t.ticks = t.user + t.system;
    t.switches = parse_context_switches(read(dir + "/status")).value_or(0);
    rss += static_cast<double>(stat->rss_pages) * static_cast<double>(page_size_);
    threads += static_cast<double>(stat->threads);
    // Since Linux 6.2 the size of /proc/PID/fd is its count of descriptors: a million open
    // connections are counted without listing them.
    struct stat fd_dir {};
    if (procfs_ && ::stat((dir + "/fd").c_str(), &fd_dir) == 0 && fd_dir.st_size > 0) {
      fds += static_cast<double>(fd_dir.st_size);
    } else {
      std::error_code ec;
      for (auto it = std::filesystem::directory_iterator(dir + "/fd", ec);
           !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++fds;
      }
    }
    if (const auto limit = parse_open_files_limit(read(dir + "/limits"))) {
      fd_limit = std::min(fd_limit.value_or(*limit), *limit);
    }
    if (const auto before = ticks_.find(pid); before != ticks_.end() && elapsed_s > 0) {
      rates = true;
      const auto& b = before->second;
      const auto delta = [](std::uint64_t now, std::uint64_t then) {
        return now >= then ? static_cast<double>(now - then) : 0.0;
      };
      cpu += delta(t.ticks, b.ticks);
      user += delta(t.user, b.user);
      system += delta(t.system, b.system);
      switches += delta(t.switches, b.switches);
    } else if (elapsed_s > 0) {
      rates = true;  // a process new since the last sample counts from now on
    }
    seen[pid] = t;
  }
  ticks_ = std::move(seen);
  if (pids.empty()) {
    return;
  }
  v["rss"] = rss;
  v["threads"] = threads;
  v["fds"] = fds;
  if (fd_limit) {
    v["fd_limit"] = static_cast<double>(*fd_limit);
  }
  if (rates) {
    const double percent = 100.0 / static_cast<double>(tick_hz_) / elapsed_s;
    v["cpu"] = cpu * percent;
    v["cpu_user"] = user * percent;
    v["cpu_system"] = system * percent;
    v["ctx_switches"] = switches;
  }
}

void sut_sampler::sample_cgroup(const std::vector<std::int64_t>& pids, double elapsed_s,
                                sut_values& v) {
  cgroup_dirs d;
  if (!target_.cgroup.empty()) {
    d = named_dirs(cgroups_, target_.cgroup);
  } else if (!pids.empty()) {
    const auto text = read(proc_ + "/" + std::to_string(pids.front()) + "/cgroup");
    d = dirs_of(cgroups_, parse_cgroup_path(text, "cpu").value_or(""),
                parse_cgroup_path(text, "memory").value_or(""),
                parse_cgroup_path(text, "").value_or(""));
  }
  if (!d.unified.empty()) {
    const auto cpu = read(d.unified + "/cpu.stat");
    rate(v, "cgroup_cpu", parse_keyed_value(cpu, "usage_usec"), elapsed_s, 1e-4);  // us -> %
    count(v, "cgroup_throttled", parse_keyed_value(cpu, "nr_throttled"));
    count(v, "cgroup_throttled_ms", parse_keyed_value(cpu, "throttled_usec"), 1e-3);
    if (const auto memory = parse_keyed_value("m " + read(d.unified + "/memory.current"), "m")) {
      v["cgroup_memory"] = static_cast<double>(*memory);
    }
  }
  if (!d.cpu.empty()) {
    const auto cpu = read(d.cpu + "/cpu.stat");
    count(v, "cgroup_throttled", parse_keyed_value(cpu, "nr_throttled"));
    count(v, "cgroup_throttled_ms", parse_keyed_value(cpu, "throttled_time"), 1e-6);
  }
  if (!d.cpuacct.empty()) {
    rate(v, "cgroup_cpu", parse_keyed_value("u " + read(d.cpuacct + "/cpuacct.usage"), "u"),
         elapsed_s, 1e-7);  // ns -> % of a core
  }
  if (!d.memory.empty()) {
    const auto usage = parse_keyed_value("m " + read(d.memory + "/memory.usage_in_bytes"), "m");
    if (usage) {
      v["cgroup_memory"] = static_cast<double>(*usage);
    }
  }
}

void sut_sampler::sample_host(double elapsed_s, sut_values& v) {
  if (const auto cpu = parse_cpu_ticks(read(proc_ + "/stat"))) {
    const auto busy_before = counters_.find("host_busy");
    const auto total_before = counters_.find("host_total");
    if (busy_before != counters_.end() && total_before != counters_.end() &&
        cpu->total > total_before->second && cpu->busy >= busy_before->second) {
      v["host_cpu"] = 100.0 * static_cast<double>(cpu->busy - busy_before->second) /
                      static_cast<double>(cpu->total - total_before->second);
    }
    counters_["host_busy"] = cpu->busy;
    counters_["host_total"] = cpu->total;
  }
  if (const auto available = parse_meminfo(read(proc_ + "/meminfo"), "MemAvailable")) {
    v["mem_available"] = static_cast<double>(*available);
  }
  if (const auto load = parse_load1(read(proc_ + "/loadavg"))) {
    v["load1"] = *load;
  }
  for (const auto* resource : {"cpu", "memory", "io"}) {
    if (const auto psi = parse_psi_some_avg10(read(proc_ + "/pressure/" + resource))) {
      v[std::string("psi_") + resource] = *psi;
    }
  }
  for (const auto& [key, value] : parse_sockstat_tcp(read(proc_ + "/net/sockstat"))) {
    if (key == "mem") {
      v["tcp_mem"] = static_cast<double>(value) * static_cast<double>(page_size_);
    } else if (key == "inuse" || key == "orphan" || key == "tw" || key == "alloc") {
      v["tcp_" + key] = static_cast<double>(value);
    }
  }
  count(v, "tcp_retransmits", parse_counter_table(read(proc_ + "/net/snmp"), "Tcp", "RetransSegs"));
  const auto netstat = read(proc_ + "/net/netstat");
  count(v, "listen_overflows", parse_counter_table(netstat, "TcpExt", "ListenOverflows"));
  count(v, "listen_drops", parse_counter_table(netstat, "TcpExt", "ListenDrops"));
  // Mode 0400: readable as root only, and then the kernel memory of the connections.
  if (const auto slab = read(proc_ + "/slabinfo"); !slab.empty()) {
    const auto tcp = parse_slab_bytes(slab, "TCP"), tcp6 = parse_slab_bytes(slab, "TCPv6");
    if (tcp || tcp6) {
      v["slab_tcp"] = static_cast<double>(tcp.value_or(0) + tcp6.value_or(0));
    }
    if (const auto inodes = parse_slab_bytes(slab, "sock_inode_cache")) {
      v["slab_sock_inode"] = static_cast<double>(*inodes);
    }
  }
}

}  // namespace stampede::monitor

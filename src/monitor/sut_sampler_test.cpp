// SPDX-License-Identifier: Apache-2.0
#include "monitor/sut_sampler.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

namespace stampede::monitor {
namespace {

namespace fs = std::filesystem;

/// A /proc and a cgroup tree of our own, whose numbers the test sets.
class fake_host {
 public:
  fake_host() : root_(fs::temp_directory_path() / ("stampede-proc-" + std::to_string(::getpid()))) {
    fs::remove_all(root_);
    put("proc/stat", "cpu  100 0 100 800 0 0 0 0 0 0\n");
    put("proc/meminfo", "MemTotal: 4000 kB\nMemAvailable: 1000 kB\n");
    put("proc/loadavg", "0.50 0.40 0.30 1/80 999\n");
    put("proc/pressure/cpu", "some avg10=2.00 avg60=0 avg300=0 total=0\n");
    put("proc/net/sockstat", "sockets: used 3\nTCP: inuse 5 orphan 0 tw 7 alloc 6 mem 2\n");
    put("proc/net/snmp", "Tcp: RetransSegs\nTcp: 10\n");
    put("proc/net/netstat", "TcpExt: ListenOverflows ListenDrops\nTcpExt: 3 4\n");
    fs::create_directories(root_ / "cgroup/cpu");  // a v1 host
  }
  ~fake_host() { fs::remove_all(root_); }

  void put(const std::string& path, const std::string& text) {
    fs::create_directories((root_ / path).parent_path());
    std::ofstream(root_ / path) << text;
  }
  /// Process `pid` named `comm` with `ticks` of user and of system time and `fds` descriptors.
  void process(int pid, const std::string& comm, int ticks, int fds, const std::string& cg = "/") {
    const auto dir = "proc/" + std::to_string(pid);
    put(dir + "/stat", std::to_string(pid) + " (" + comm + ") S 1 1 1 0 -1 0 0 0 0 0 " +
                           std::to_string(ticks) + " " + std::to_string(ticks) +
                           " 0 0 20 0 2 0 1 1000 100 0\n");
    put(dir + "/comm", comm + "\n");
    put(dir + "/status",
        "voluntary_ctxt_switches: " + std::to_string(ticks) + "\nnonvoluntary_ctxt_switches: 0\n");
    put(dir + "/limits", "Max open files            1024                 4096       files\n");
    put(dir + "/cgroup", "4:memory:" + cg + "\n2:cpu,cpuacct:" + cg + "\n");
    fs::remove_all(root_ / dir / "fd");
    fs::create_directories(root_ / dir / "fd");
    for (int i = 0; i < fds; ++i) {
      put(dir + "/fd/" + std::to_string(i), "");
    }
  }
  std::string proc() const { return (root_ / "proc").string(); }
  std::string cgroups() const { return (root_ / "cgroup").string(); }

 private:
  fs::path root_;
};

TEST(SutSampler, ProcessAndHostFromProc) {
  fake_host host;
  host.process(10, "web", 100, 3);
  sut_sampler s({"", 10, "", ""}, host.proc(), host.cgroups());
  EXPECT_EQ(s.target().name, "pid10");
  const auto first = s.sample();
  EXPECT_EQ(first.at("processes"), 1);
  EXPECT_EQ(first.at("pid"), 10);
  EXPECT_EQ(first.at("rss"), 100.0 * ::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(first.at("threads"), 2);
  EXPECT_EQ(first.at("fds"), 3);
  EXPECT_EQ(first.at("fd_limit"), 1024);
  EXPECT_EQ(first.at("tcp_inuse"), 5);
  EXPECT_EQ(first.at("tcp_tw"), 7);
  EXPECT_EQ(first.at("tcp_mem"), 2.0 * ::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(first.at("mem_available"), 1024000);
  EXPECT_EQ(first.at("load1"), 0.5);
  EXPECT_EQ(first.at("psi_cpu"), 2);
  // Rates and counts need a second sample.
  EXPECT_EQ(first.count("cpu"), 0u);
  EXPECT_EQ(first.count("listen_overflows"), 0u);
  EXPECT_EQ(first.count("host_cpu"), 0u);

  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const long hz = ::sysconf(_SC_CLK_TCK);
  host.process(10, "web", 100 + static_cast<int>(hz) / 10, 5);  // 0.1 s user + 0.1 s system
  host.put("proc/stat", "cpu  150 0 150 900 0 0 0 0 0 0\n");    // 100 busy of 200
  host.put("proc/net/netstat", "TcpExt: ListenOverflows ListenDrops\nTcpExt: 10 12\n");
  host.put("proc/net/snmp", "Tcp: RetransSegs\nTcp: 11\n");
  const auto second = s.sample();
  // 0.2 s of CPU over about 0.2 s: near 100% of a core (the sleep may run long).
  EXPECT_GT(second.at("cpu"), 50);
  EXPECT_LE(second.at("cpu"), 101);
  EXPECT_NEAR(second.at("cpu_user"), second.at("cpu_system"), 1e-9);
  EXPECT_EQ(second.at("ctx_switches"), hz / 10);
  EXPECT_EQ(second.at("fds"), 5);
  EXPECT_EQ(second.at("host_cpu"), 50);
  EXPECT_EQ(second.at("listen_overflows"), 7);  // a count since the last sample, not a rate
  EXPECT_EQ(second.at("listen_drops"), 8);
  EXPECT_EQ(second.at("tcp_retransmits"), 1);
}

TEST(SutSampler, AProcessNameSumsEveryProcessOfIt) {
  fake_host host;
  host.process(20, "nginx", 10, 2);
  host.process(21, "nginx", 10, 4);
  host.process(22, "postgres", 10, 8);
  sut_sampler s({"", 0, "nginx", ""}, host.proc(), host.cgroups());
  EXPECT_EQ(s.target().name, "nginx");
  auto v = s.sample();
  EXPECT_EQ(v.at("processes"), 2);
  EXPECT_EQ(v.count("pid"), 0u);  // several: no one pid
  EXPECT_EQ(v.at("fds"), 6);
  EXPECT_EQ(v.at("threads"), 4);
  // A worker gone and another started: found again at each sample.
  fs::remove_all(host.proc() + "/21");
  host.process(23, "nginx", 10, 1);
  v = s.sample();
  EXPECT_EQ(v.at("processes"), 2);
  EXPECT_EQ(v.at("fds"), 3);
}

TEST(SutSampler, AGoneProcessLeavesTheHostValues) {
  fake_host host;
  sut_sampler s({"web", 99, "", ""}, host.proc(), host.cgroups());
  const auto v = s.sample();
  EXPECT_EQ(v.at("processes"), 0);
  EXPECT_EQ(v.count("rss"), 0u);
  EXPECT_EQ(v.at("tcp_inuse"), 5);
}

TEST(SutSampler, CgroupV1ThrottlingAndMemory) {
  fake_host host;
  host.process(30, "app", 10, 1, "/box");
  host.put("cgroup/cpu,cpuacct/box/cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 0\n");
  host.put("cgroup/cpu,cpuacct/box/cpuacct.usage", "1000000000\n");
  host.put("cgroup/memory/box/memory.usage_in_bytes", "5000\n");
  host.put("cgroup/memory/box/cgroup.procs", "30\n");
  sut_sampler s({"", 30, "", ""}, host.proc(), host.cgroups());
  auto v = s.sample();
  EXPECT_EQ(v.at("cgroup_memory"), 5000);
  host.put("cgroup/cpu,cpuacct/box/cpu.stat",
           "nr_periods 20\nnr_throttled 5\nthrottled_time 30000000\n");
  v = s.sample();
  EXPECT_EQ(v.at("cgroup_throttled"), 3);
  EXPECT_DOUBLE_EQ(v.at("cgroup_throttled_ms"), 30);
  // The cgroup named instead: its processes are the ones watched.
  sut_sampler by_cgroup({"", 0, "", "/box"}, host.proc(), host.cgroups());
  v = by_cgroup.sample();
  EXPECT_EQ(by_cgroup.target().name, "box");
  EXPECT_EQ(v.at("processes"), 1);
  EXPECT_EQ(v.at("pid"), 30);
  EXPECT_EQ(v.at("cgroup_memory"), 5000);
}

TEST(SutSampler, TheRealProcOfThisProcess) {
  sut_sampler s({"", ::getpid(), "", ""});
  s.sample();
  const auto v = s.sample();
  EXPECT_EQ(v.at("pid"), ::getpid());
  EXPECT_GT(v.at("rss"), 0);
  EXPECT_GE(v.at("threads"), 1);
  EXPECT_GE(v.at("fds"), 3);  // stdin, stdout, stderr at least
  EXPECT_GT(v.at("mem_available"), 0);
}

}  // namespace
}  // namespace stampede::monitor

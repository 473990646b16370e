// SPDX-License-Identifier: Apache-2.0
#include "monitor/proc_text.hpp"

#include <gtest/gtest.h>

namespace stampede::monitor {
namespace {

TEST(ProcText, PidStatIsReadAfterTheLastParen) {
  // A command with spaces and a ')' of its own must not shift the fields.
  const auto s = parse_pid_stat(
      "4242 (web (worker) 1) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 3 0 100 "
      "123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->comm, "web (worker) 1");
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 75u);
  EXPECT_EQ(s->threads, 3u);
  EXPECT_EQ(s->rss_pages, 2048u);
  EXPECT_FALSE(parse_pid_stat("4242 (cut) S 1 2"));
  EXPECT_FALSE(parse_pid_stat(""));
}

TEST(ProcText, StatusLimitsAndHostFiles) {
  EXPECT_EQ(parse_context_switches("Name:\tweb\nvoluntary_ctxt_switches:\t120\n"
                                   "nonvoluntary_ctxt_switches:\t30\n"),
            150u);
  EXPECT_FALSE(parse_context_switches("Name:\tweb\n"));
  EXPECT_EQ(parse_open_files_limit("Limit                     Soft Limit           Hard Limit  "
                                   "         Units     \n"
                                   "Max open files            20000                20000        "
                                   "        files     \n"),
            20000u);
  EXPECT_FALSE(
      parse_open_files_limit("Max open files            unlimited            unlimited  "
                             "          files     \n"));
  const auto cpu = parse_cpu_ticks("cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 1 2 3 4\n");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->busy, 160u);  // all but idle (800) and iowait (40)
  EXPECT_EQ(cpu->total, 1000u);
  EXPECT_EQ(parse_meminfo("MemTotal:       24000000 kB\nMemAvailable:   1000 kB\n", "MemAvailable"),
            1024000u);
  EXPECT_FALSE(parse_meminfo("MemTotal:       24000000 kB\n", "MemAvailable"));
  EXPECT_EQ(parse_load1("1.25 0.60 1.04 1/87 10656\n"), 1.25);
  EXPECT_EQ(parse_psi_some_avg10("some avg10=3.50 avg60=0.00 avg300=0.26 total=523544797\n"
                                 "full avg10=1.00 avg60=0.00 avg300=0.00 total=0\n"),
            3.5);
}

TEST(ProcText, NetworkCounters) {
  const auto tcp = parse_sockstat_tcp(
      "sockets: used 9\nTCP: inuse 2 orphan 1 tw 30 alloc 4 mem 218\nUDP: inuse 0 mem 0\n");
  EXPECT_EQ(tcp.at("inuse"), 2u);
  EXPECT_EQ(tcp.at("orphan"), 1u);
  EXPECT_EQ(tcp.at("tw"), 30u);
  EXPECT_EQ(tcp.at("mem"), 218u);
  const std::string netstat =
      "TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 17 19\n"
      "IpExt: InNoRoutes ListenOverflows\nIpExt: 5 99\n";
  EXPECT_EQ(parse_counter_table(netstat, "TcpExt", "ListenOverflows"), 17u);
  EXPECT_EQ(parse_counter_table(netstat, "TcpExt", "ListenDrops"), 19u);
  EXPECT_EQ(parse_counter_table(netstat, "IpExt", "ListenOverflows"), 99u);
  EXPECT_FALSE(parse_counter_table(netstat, "TcpExt", "Nothing"));
  EXPECT_EQ(
      parse_counter_table("Tcp: RtoAlgorithm RetransSegs\nTcp: 1 107\n", "Tcp", "RetransSegs"),
      107u);
}

TEST(ProcText, CgroupsAndSlabs) {
  const std::string v1 =
      "9:name=systemd:/\n4:memory:/app/web\n2:cpu,cpuacct:/app/web-cpu\n0::/unified/path\n";
  EXPECT_EQ(parse_cgroup_path(v1, "memory"), "/app/web");
  EXPECT_EQ(parse_cgroup_path(v1, "cpu"), "/app/web-cpu");
  EXPECT_EQ(parse_cgroup_path(v1, "cpuacct"), "/app/web-cpu");
  EXPECT_EQ(parse_cgroup_path(v1, ""), "/unified/path");
  EXPECT_FALSE(parse_cgroup_path(v1, "pids"));
  EXPECT_EQ(
      parse_keyed_value("nr_periods 10\nnr_throttled 3\nthrottled_time 5000\n", "nr_throttled"),
      3u);
  EXPECT_EQ(parse_slab_bytes("slabinfo - version: 2.1\n# name <active_objs> ...\n"
                             "TCP                   40     48   2432   13    8 : tunables 0 0 0\n",
                             "TCP"),
            48u * 2432u);
  EXPECT_FALSE(parse_slab_bytes("TCPv6 1 1 1 1 1\n", "TCP"));
}

}  // namespace
}  // namespace stampede::monitor

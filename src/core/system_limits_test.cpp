// SPDX-License-Identifier: Apache-2.0
// The doctor's findings and commands on fixed readings, and one read of this machine.
#include "core/system_limits.hpp"

#include <limits>
#include <stdexcept>

#include <gtest/gtest.h>

namespace stampede::core {
namespace {

const finding& named(const std::vector<finding>& fs, const std::string& name) {
  for (const auto& f : fs) {
    if (f.name == name) {
      return f;
    }
  }
  throw std::runtime_error("no finding " + name);
}

/// A stock distribution kernel with a tight login limit.
system_readings tight() {
  system_readings r;
  r.nofile_soft = 1024;
  r.nofile_hard = 20000;
  r.nr_open = 1048576;
  r.file_max = 100000;
  r.port_low = 32768;
  r.port_high = 60999;
  r.somaxconn = 128;
  r.tcp_tw_reuse = 2;
  r.syn_backlog = 512;
  r.mem_total_kb = 24ULL * 1024 * 1024;
  r.mem_available_kb = 18ULL * 1024 * 1024;
  r.threads_max = 100000;
  return r;
}

system_readings tuned() {
  auto r = tight();
  r.nofile_soft = r.nofile_hard = 1048576;
  r.file_max = 9223372036854775807ULL;
  r.port_low = 1024;
  r.port_high = 65535;
  r.somaxconn = 65535;
  r.tcp_tw_reuse = 1;
  r.syn_backlog = 65535;
  return r;
}

TEST(SystemLimits, TightMachineGetsExactFixes) {
  const auto fs = assess(tight());
  const auto& files = named(fs, "open files per process");
  EXPECT_EQ(files.status, finding_status::warn);
  EXPECT_EQ(files.current, "soft 1024 / hard 20000");
  EXPECT_EQ(files.allows, "at most 992 open connections per process");
  EXPECT_EQ(files.fix,
            "ulimit -n 20000  (hard limit 20000: raise it in /etc/security/limits.conf or run more "
            "processes (stampede splits itself))");

  const auto& ports = named(fs, "ephemeral ports");
  EXPECT_EQ(ports.status, finding_status::warn);
  EXPECT_EQ(ports.current, "32768-60999");
  EXPECT_EQ(ports.allows, "28232 ephemeral ports per (source IP, destination) pair");
  EXPECT_EQ(ports.fix, "sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"");

  EXPECT_EQ(named(fs, "net.core.somaxconn").fix, "sysctl -w net.core.somaxconn=65535");
  EXPECT_EQ(named(fs, "net.ipv4.tcp_max_syn_backlog").fix,
            "sysctl -w net.ipv4.tcp_max_syn_backlog=65535");
  EXPECT_EQ(named(fs, "net.ipv4.tcp_tw_reuse").fix, "sysctl -w net.ipv4.tcp_tw_reuse=1");
  EXPECT_EQ(named(fs, "fs.file-max").fix, "sysctl -w fs.file-max=2097152");
  EXPECT_EQ(named(fs, "fs.nr_open").status, finding_status::ok);
  EXPECT_EQ(named(fs, "memory").allows, "~2.1M loopback connection pairs by memory at ~9 KiB each");
  EXPECT_EQ(named(fs, "memory").current, "18432 MiB available of 24576 MiB");
  EXPECT_EQ(named(fs, "kernel.threads-max").status, finding_status::ok);
}

TEST(SystemLimits, SoftBelowAnAmpleHardLimitNeedsOnlyUlimit) {
  auto r = tight();
  r.nofile_hard = 4'000'000;
  EXPECT_EQ(named(assess(r), "open files per process").fix, "ulimit -n 1048576");
  // ulimit -n cannot go past fs.nr_open, so the command asks for no more than that.
  r.nr_open = 500'000;
  EXPECT_EQ(named(assess(r), "open files per process").fix, "ulimit -n 500000");
  EXPECT_EQ(named(assess(r), "fs.nr_open").fix, "sysctl -w fs.nr_open=1048576");
}

TEST(SystemLimits, HardLimitReachedPointsAtLimitsConf) {
  auto r = tight();
  r.nofile_soft = r.nofile_hard = 20000;
  const auto fs = assess(r);
  const auto& files = named(fs, "open files per process");
  EXPECT_EQ(files.status, finding_status::warn);
  EXPECT_EQ(files.fix.rfind("hard limit 20000: raise nofile to 1048576 in "
                            "/etc/security/limits.conf",
                            0),
            0u)
      << files.fix;
  EXPECT_NE(files.fix.find("stampede splits itself"), std::string::npos);
}

TEST(SystemLimits, TunedMachineNeedsNothing) {
  const auto r = tuned();
  for (const auto& f : assess(r)) {
    EXPECT_EQ(f.status, finding_status::ok) << f.name;
    EXPECT_TRUE(f.fix.empty()) << f.name;
  }
  EXPECT_EQ(named(assess(r), "fs.file-max").allows,
            "no machine-wide limit on open files in practice");
}

TEST(SystemLimits, UnlimitedHardLimitIsShownAsSuch) {
  auto r = tight();
  r.nofile_hard = std::numeric_limits<std::uint64_t>::max();
  const auto fs = assess(r);
  const auto& files = named(fs, "open files per process");
  EXPECT_EQ(files.current, "soft 1024 / hard unlimited");
  EXPECT_EQ(files.fix, "ulimit -n 1048576");
}

TEST(SystemLimits, TimeWaitReuseOffIsAWarning) {
  auto r = tuned();
  r.tcp_tw_reuse = 0;
  const auto fs = assess(r);
  const auto& f = named(fs, "net.ipv4.tcp_tw_reuse");
  EXPECT_EQ(f.status, finding_status::warn);
  EXPECT_NE(f.allows.find("never reused"), std::string::npos);
}

TEST(SystemLimits, ConntrackIsCheckedOnlyWhenLoaded) {
  EXPECT_THROW(named(assess(tight()), "net.netfilter.nf_conntrack_max"), std::runtime_error);
  auto r = tight();
  r.conntrack_max = 262144;
  const auto fs = assess(r);
  const auto& f = named(fs, "net.netfilter.nf_conntrack_max");
  EXPECT_EQ(f.status, finding_status::warn);
  EXPECT_EQ(f.fix, "sysctl -w net.netfilter.nf_conntrack_max=2097152");
}

TEST(SystemLimits, UnreadableValuesAreLeftOut) {
  const system_readings r;
  EXPECT_FALSE(r.any());
  const auto fs = assess(r);
  ASSERT_EQ(fs.size(), 1u);  // the open-file limit is always reported
  EXPECT_EQ(fs[0].current, "soft unknown / hard unknown");
  EXPECT_EQ(fs[0].status, finding_status::warn);
  EXPECT_TRUE(fs[0].fix.empty());
  const auto e = estimate(r);
  EXPECT_FALSE(e.per_process.has_value());
  EXPECT_FALSE(e.pairs_per_machine.has_value());
}

TEST(SystemLimits, EstimateNamesTheTightestLimit) {
  auto e = estimate(tight());
  EXPECT_EQ(e.per_process, 992u);
  EXPECT_EQ(e.per_process_limited_by, "open files");
  EXPECT_EQ(e.pairs_per_machine, 50000u);  // fs.file-max 100000, two descriptors per pair
  EXPECT_EQ(e.pairs_per_machine_limited_by, "fs.file-max");
  EXPECT_EQ(e.per_source_address, 28232u);

  e = estimate(tuned());
  EXPECT_EQ(e.per_process, 1048576u - reserved_descriptors);
  EXPECT_EQ(e.pairs_per_machine, 18ULL * 1024 * 1024 * 1024 / kernel_bytes_per_connection_pair);
  EXPECT_EQ(e.pairs_per_machine_limited_by, "memory");
}

TEST(SystemLimits, ApproximateCounts) {
  EXPECT_EQ(approximate_count(992), "992");
  EXPECT_EQ(approximate_count(99999), "99999");
  EXPECT_EQ(approximate_count(250000), "~250K");
  EXPECT_EQ(approximate_count(2'700'000), "~2.7M");
}

TEST(SystemLimits, ReadsThisMachine) {
  const auto r = read_system();
  EXPECT_TRUE(r.any());
  EXPECT_TRUE(r.nofile_soft.has_value());
  EXPECT_TRUE(r.mem_total_kb.has_value());
}

}  // namespace
}  // namespace stampede::core

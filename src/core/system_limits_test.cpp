// SPDX-License-Identifier: Apache-2.0
#include "core/system_limits.hpp"

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
  r.mem_total_kb = 24ULL * 1024 * 1024;
  r.mem_available_kb = 18ULL * 1024 * 1024;
  return r;
}

TEST(SystemLimits, TightMachineGetsExactFixes) {
  const auto fs = assess(tight());
  const auto& files = named(fs, "open files per process");
  EXPECT_FALSE(files.ok);
  EXPECT_EQ(files.current, "soft 1024 / hard 20000");
  EXPECT_EQ(files.allows, "at most 992 connections per process");
  EXPECT_EQ(files.fix.substr(0, 15), "ulimit -n 20000");
  EXPECT_NE(files.fix.find("hard limit 20000"), std::string::npos);
  const auto& ports = named(fs, "ephemeral ports");
  EXPECT_FALSE(ports.ok);
  EXPECT_NE(ports.allows.find("28232 connections"), std::string::npos) << ports.allows;
  EXPECT_EQ(ports.fix, "sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"");
  EXPECT_EQ(named(fs, "net.core.somaxconn").fix, "sysctl -w net.core.somaxconn=65535");
  EXPECT_EQ(named(fs, "net.ipv4.tcp_tw_reuse").fix, "sysctl -w net.ipv4.tcp_tw_reuse=1");
  EXPECT_EQ(named(fs, "fs.file-max").fix, "sysctl -w fs.file-max=2097152");
  EXPECT_TRUE(named(fs, "fs.nr_open").ok);
  EXPECT_NE(named(fs, "memory").allows.find("2097152 loopback connection pairs"), std::string::npos)
      << named(fs, "memory").allows;
}

TEST(SystemLimits, TunedMachineNeedsNothing) {
  auto r = tight();
  r.nofile_soft = r.nofile_hard = 2'000'000;
  r.file_max = 5'000'000;
  r.port_low = 1024;
  r.port_high = 65535;
  r.somaxconn = 65535;
  r.tcp_tw_reuse = 1;
  for (const auto& f : assess(r)) {
    EXPECT_TRUE(f.ok) << f.name;
    EXPECT_TRUE(f.fix.empty()) << f.name;
  }
  EXPECT_EQ(connections_per_process(r), 2'000'000u - 32);
}

TEST(SystemLimits, UnreadableValuesAreLeftOut) {
  system_readings r;
  const auto fs = assess(r);
  ASSERT_EQ(fs.size(), 1u);  // the open-file limit is always reported
  EXPECT_EQ(fs[0].current, "soft unknown / hard unknown");
}

TEST(SystemLimits, ReadsThisMachine) {
  const auto r = read_system();
  EXPECT_TRUE(r.nofile_soft.has_value());
  EXPECT_TRUE(r.mem_total_kb.has_value());
}

}  // namespace
}  // namespace stampede::core

// SPDX-License-Identifier: Apache-2.0
#include "monitor/perf_folding.hpp"

#include <gtest/gtest.h>

namespace stampede::monitor {
namespace {

TEST(PerfFolding, StacksOutermostFirstCountedMostFirst) {
  const char* script =
      "web server 20946 16359.388964: \n"
      "\tffffffff813aecd3 finish_task_switch.isra.0\n"
      "\t          10ac10 __libc_sendmsg\n"
      "\t           f60d0 std::map<int, int>::find(int const&) const\n"
      "\n"
      "web server 20947 16359.398964: \n"
      "\t          10ac10 __libc_sendmsg\n"
      "\t           f60d0 std::map<int, int>::find(int const&) const\n"
      "\n"
      "web server 20946 16359.408964: \n"
      "\t          10ac10 __libc_sendmsg\n"
      "\t           f60d0 std::map<int, int>::find(int const&) const\n"
      "\n"
      "idle;odd 1 16359.5: \n"
      "\t    12 a;b\n"
      "\t    13\n";
  EXPECT_EQ(fold_perf_script(script),
            "web server;std::map<int, int>::find(int const&) const;__libc_sendmsg 2\n"
            "idle:odd;[unknown];a:b 1\n"
            "web server;std::map<int, int>::find(int const&) const;__libc_sendmsg;"
            "finish_task_switch.isra.0 1\n");
}

TEST(PerfFolding, NothingRecordedFoldsToNothing) {
  EXPECT_EQ(fold_perf_script(""), "");
  EXPECT_EQ(fold_perf_script("\n\n"), "");
}

}  // namespace
}  // namespace stampede::monitor

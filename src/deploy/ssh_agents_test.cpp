// SPDX-License-Identifier: Apache-2.0
#include "deploy/ssh_agents.hpp"

#include <gtest/gtest.h>

#include "deploy/command.hpp"

namespace stampede::deploy {
namespace {

TEST(SshAgents, ShellQuotingSurvivesQuotesAndSpaces) {
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote("it's a dir"), "'it'\\''s a dir'");
  // What the shell makes of it is the original text.
  const auto r = run_command({"sh", "-c", "printf %s " + shell_quote("a 'b' $HOME \"c\"")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "a 'b' $HOME \"c\"");
}

TEST(SshAgents, SshNeverPromptsAndPassesEachOption) {
  EXPECT_EQ(ssh_command("root@h1", {"Port=2222", "IdentityFile=/k"}, "echo hi"),
            (std::vector<std::string>{"ssh", "-o", "BatchMode=yes", "-o", "Port=2222", "-o",
                                      "IdentityFile=/k", "root@h1", "echo hi"}));
}

TEST(Command, ExitCodeAndBothOutputs) {
  const auto r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.output, "out\nerr\n");
  const auto missing = run_command({"/nonexistent/stampede-tool"});
  EXPECT_NE(missing.exit_code, 0);
}

}  // namespace
}  // namespace stampede::deploy

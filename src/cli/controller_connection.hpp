// SPDX-License-Identifier: Apache-2.0
// What every command against a controller shares: the connection flags and one mapping of
// failures to messages and exit codes.
#pragma once

#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "cli/campaign_error_text.hpp"
#include "cli/commands.hpp"
#include "control/control_client.hpp"
#include "report/report_file.hpp"
#include "scenario/campaign_error.hpp"

namespace stampede::cli {

inline void add_connection_flags(CLI::App* cmd, control::client_settings& s) {
  cmd->add_option("--controller", s.controller, "Controller HOST:PORT (or STAMPEDE_CONTROLLER)");
  cmd->add_option("--token-file", s.token_file,
                  "File holding the controller's token (or STAMPEDE_TOKEN_FILE)");
  cmd->add_option("--ca", s.ca_file, "The controller's CA certificate (or STAMPEDE_CA)");
}

/// `runs`, `show` and `report` read a controller's runs when one is named (flag or
/// environment) and no --db is given; otherwise the local results database.
inline bool use_controller(const CLI::App* cmd, const control::client_settings& s) {
  return cmd->count("--db") == 0 &&
         (!s.controller.empty() || std::getenv("STAMPEDE_CONTROLLER") != nullptr);
}

/// A controller's run and its seconds, as a report draws them.
report::stored_run fetch_run(control::control_client& client, std::int64_t run_id);

/// `start --wait --report FILE`, `attach --report FILE`: once the run has ended, its report to
/// `path`; false (said on stderr) when it cannot be written. A run still going (detached)
/// gets none, and a line saying how to write it later.
bool write_remote_report(control::control_client& client, std::int64_t run_id,
                         const std::string& path);

/// Runs `body` with a connected client and returns its exit code; failures become a message
/// on stderr and exit 2 (missing settings, a bad campaign) or 1 (anything else).
template <typename F>
int with_client(control::client_settings& settings, F&& body) {
  try {
    settings.complete_from_environment();
    control::control_client client(settings);
    return body(client);
  } catch (const std::invalid_argument& e) {
    std::cerr << "stampede: " << e.what() << "\n";
    return exit_code::usage_error;
  } catch (const scenario::campaign_error& e) {
    std::cerr << campaign_error_text(e);
    return exit_code::usage_error;
  } catch (const control::call_error& e) {
    std::cerr << "stampede: " << e.what() << "\n";
    return e.code() == grpc::StatusCode::INVALID_ARGUMENT ? exit_code::usage_error
                                                          : exit_code::runtime_failure;
  } catch (const std::exception& e) {
    std::cerr << "stampede: " << e.what() << "\n";
    return exit_code::runtime_failure;
  }
}

}  // namespace stampede::cli

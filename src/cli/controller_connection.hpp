// SPDX-License-Identifier: Apache-2.0
// What every command against a controller shares: the connection flags and one mapping of
// failures to messages and exit codes.
#pragma once

#include <iostream>
#include <stdexcept>

#include "cli/campaign_error_text.hpp"
#include "cli/commands.hpp"
#include "control/control_client.hpp"
#include "scenario/campaign_error.hpp"

namespace stampede::cli {

inline void add_connection_flags(CLI::App* cmd, control::client_settings& s) {
  cmd->add_option("--controller", s.controller, "Controller HOST:PORT (or STAMPEDE_CONTROLLER)");
  cmd->add_option("--token-file", s.token_file,
                  "File holding the controller's token (or STAMPEDE_TOKEN_FILE)");
  cmd->add_option("--ca", s.ca_file, "The controller's CA certificate (or STAMPEDE_CA)");
}

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

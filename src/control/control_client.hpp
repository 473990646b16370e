// SPDX-License-Identifier: Apache-2.0
// The CLI's side of the control plane: where the controller is, how to trust it, and calls
// that carry the token.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "stampede/control/v1/control.grpc.pb.h"

namespace stampede::control {

/// From --controller/--token-file/--ca, else STAMPEDE_CONTROLLER/STAMPEDE_TOKEN_FILE/STAMPEDE_CA.
struct client_settings {
  std::string controller;  ///< HOST:PORT
  std::string token_file;
  std::string ca_file;

  /// Fills empty fields from the environment; throws std::invalid_argument naming what is
  /// still missing.
  void complete_from_environment();
};

/// A failed call: the gRPC status code and a message for people.
class call_error : public std::runtime_error {
 public:
  call_error(grpc::StatusCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  grpc::StatusCode code() const { return code_; }

 private:
  grpc::StatusCode code_;
};

/// A TLS channel to `controller` (HOST:PORT), trusting only `ca_pem` and verifying the
/// controller's fixed certificate name.
std::shared_ptr<grpc::Channel> make_channel(const std::string& controller,
                                            const std::string& ca_pem);

class control_client {
 public:
  /// Reads the token and CA; throws std::runtime_error naming the file.
  explicit control_client(const client_settings& settings);

  v1::PingReply ping();
  v1::Campaign add_campaign(const std::string& name, const std::string& text,
                            const std::string& source, bool update);
  std::vector<v1::Campaign> list_campaigns();
  v1::Campaign get_campaign(const std::string& name);
  void remove_campaign(const std::string& name);
  v1::ListAgentsReply list_agents();

 private:
  /// A context with the token and a deadline.
  std::unique_ptr<grpc::ClientContext> context() const;
  void check(const grpc::Status& status) const;

  std::string controller_;
  std::string token_;
  std::unique_ptr<v1::Control::Stub> stub_;
};

}  // namespace stampede::control

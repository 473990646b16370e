// SPDX-License-Identifier: Apache-2.0
// A failed control-plane call, either side: the gRPC status code and a message for people.
#pragma once

#include <stdexcept>
#include <string>

#include <grpcpp/support/status.h>

namespace stampede::control {

class call_error : public std::runtime_error {
 public:
  call_error(grpc::StatusCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  grpc::StatusCode code() const { return code_; }

 private:
  grpc::StatusCode code_;
};

}  // namespace stampede::control

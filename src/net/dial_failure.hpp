// SPDX-License-Identifier: Apache-2.0
// How a failed dial is reported, the same for every protocol: its error class and a message
// naming the stage (connect or TLS handshake) and the endpoint.
#pragma once

#include <chrono>
#include <string>

#include "metrics/error_class.hpp"
#include "net/connector.hpp"

namespace stampede::net {

struct dial_failure {
  metrics::error_class error = metrics::error_class::other;
  std::string message;
};

/// `timed_out`: the caller's connect deadline closed the socket (error codes cannot say so).
dial_failure describe_failure(const dial_result& dialed, bool timed_out,
                              std::chrono::nanoseconds connect_timeout);

}  // namespace stampede::net

// SPDX-License-Identifier: Apache-2.0
// Maps socket and TLS error codes to the error classes stampede counts.
#pragma once

#include <boost/system/error_code.hpp>

#include "metrics/error_class.hpp"

namespace stampede::net {

/// The class of a failure reported by a socket or TLS operation. Timeouts are not visible in
/// error codes (the caller's deadline closed the socket), so callers check their own flag first.
metrics::error_class classify(const boost::system::error_code& ec);

/// Appended to the sample message of a local_limit failure: the fix is on this machine.
inline constexpr std::string_view local_limit_hint =
    " (a limit of the load machine, not the server: stampede doctor prints the fixes)";

/// The peer ended the stream: a TCP EOF, or a TLS peer that closed without close_notify
/// (stream_truncated), which for HTTP framing means the same.
bool is_end_of_stream(const boost::system::error_code& ec);

}  // namespace stampede::net

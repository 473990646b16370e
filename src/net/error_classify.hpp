// SPDX-License-Identifier: Apache-2.0
// Maps socket and TLS error codes to the error classes stampede counts.
#pragma once

#include <boost/system/error_code.hpp>

#include "metrics/error_class.hpp"

namespace stampede::net {

/// The class of a failure reported by a socket or TLS operation. Timeouts are not visible in
/// error codes (the caller's deadline closed the socket), so callers check their own flag first.
metrics::error_class classify(const boost::system::error_code& ec);

}  // namespace stampede::net

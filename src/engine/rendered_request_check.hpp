// SPDX-License-Identifier: Apache-2.0
// What a rendered value must not put on the wire: a line break in a header value (it would
// add a header) or a space or control character in a path inserted raw (it would break the
// request line). Such a request fails before it is sent, as invalid_request, naming why.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/common/session.hpp"

namespace stampede::engine {

struct unsendable {
  std::string_view reason;  ///< static: what groups these failures
  std::string message;      ///< the reason with the offending value
};

/// Why `target` and `headers` cannot be sent, or nullopt when they can. `check_target`: the
/// target holds raw values (escaped ones are always safe, literal text was checked at load).
std::optional<unsendable> unsendable_reason(std::string_view target, bool check_target,
                                            std::span<const protocol::header_view> headers);

}  // namespace stampede::engine

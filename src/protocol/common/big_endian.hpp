// SPDX-License-Identifier: Apache-2.0
// Unsigned numbers in network byte order, as WebSocket and HTTP/2 frame heads carry them.
#pragma once

#include <cstdint>
#include <string_view>

namespace stampede::protocol {

/// The unsigned number `bytes` hold, most significant byte first (at most 8 bytes).
inline std::uint64_t big_endian(std::string_view bytes) {
  std::uint64_t n = 0;
  for (const char c : bytes) {
    n = (n << 8) | static_cast<std::uint8_t>(c);
  }
  return n;
}

}  // namespace stampede::protocol

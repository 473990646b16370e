// SPDX-License-Identifier: Apache-2.0
// LEB128 varints for the metrics' binary encodings (histograms, reach tables).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stampede::metrics::detail {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

/// Reads one LEB128 varint in its shortest form; a longer spelling of the same number would
/// give one histogram two encodings, so it is refused.
inline bool get_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) {
      return false;
    }
    const auto byte = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      const bool overlong = byte == 0 && shift > 0;
      const bool overflows = shift == 63 && byte > 1;
      return !overlong && !overflows;
    }
  }
  return false;
}

}  // namespace stampede::metrics::detail

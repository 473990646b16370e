// SPDX-License-Identifier: Apache-2.0
// Decoding the %XX escapes of URLs, queries and forms.
#pragma once

#include <string>
#include <string_view>

#include "core/text.hpp"

namespace stampede::core {

/// `s` with its %XX escapes decoded ("%2Fjson%3Fa%3D1" is "/json?a=1"), and '+' as a space
/// where `plus_is_space` (a query or a form); a malformed escape is kept as written.
inline std::string percent_decoded(std::string_view s, bool plus_is_space = false) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace stampede::core

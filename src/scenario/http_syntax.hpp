// SPDX-License-Identifier: Apache-2.0
// What a header must look like before it goes on the wire, for campaign files and quick-mode
// flags alike.
#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace stampede::scenario {

/// RFC 9110 token characters, the only ones allowed in a header name.
inline bool is_header_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

/// CR, LF or NUL: a header value holding one would end the header early or add another.
inline bool has_line_break(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

}  // namespace stampede::scenario

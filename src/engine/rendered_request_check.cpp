// SPDX-License-Identifier: Apache-2.0
#include "engine/rendered_request_check.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace stampede::engine {
namespace {

bool breaks_request_line(unsigned char c) {
  return c <= 0x20 || c == 0x7f;
}

/// A printable excerpt of `value` for the message: control bytes shown as \xNN.
std::string shown(std::string_view value) {
  std::string out;
  for (const char ch : value.substr(0, 60)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(ch);
    }
  }
  return value.size() > 60 ? out + "..." : out;
}

}  // namespace

std::optional<unsendable> unsendable_reason(std::string_view target, bool check_target,
                                            std::span<const protocol::header_view> headers) {
  if (check_target && std::any_of(target.begin(), target.end(), [](char c) {
        return breaks_request_line(static_cast<unsigned char>(c));
      })) {
    return unsendable{"a rendered path holds a space or control character (a |raw value); not sent",
                      fmt::format("the rendered path '{}' holds a space or control character (a "
                                  "|raw value); not sent",
                                  shown(target))};
  }
  for (const auto& h : headers) {
    if (h.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
      return unsendable{"a rendered header value holds a line break; not sent",
                        fmt::format("the rendered header {}: '{}' holds a line break; not sent",
                                    h.name, shown(h.value))};
    }
  }
  return std::nullopt;
}

}  // namespace stampede::engine

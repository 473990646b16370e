// SPDX-License-Identifier: Apache-2.0
#include "scenario/json_path.hpp"

#include <charconv>
#include <variant>
#include <vector>

namespace stampede::scenario {
namespace {

using segment = std::variant<std::string, std::size_t>;

/// Splits a path into segments; nullopt when malformed.
std::optional<std::vector<segment>> split(std::string_view path) {
  if (path.empty() || path.front() != '$') {
    return std::nullopt;
  }
  std::vector<segment> out;
  std::size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      const auto start = ++i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') {
        ++i;
      }
      if (i == start) {
        return std::nullopt;
      }
      out.emplace_back(std::string(path.substr(start, i - start)));
    } else if (path[i] == '[') {
      ++i;
      if (i < path.size() && (path[i] == '\'' || path[i] == '"')) {
        const char quote = path[i++];
        const auto close = path.find(quote, i);
        if (close == std::string_view::npos || close + 1 >= path.size() || path[close + 1] != ']') {
          return std::nullopt;
        }
        out.emplace_back(std::string(path.substr(i, close - i)));
        i = close + 2;
      } else {
        const auto close = path.find(']', i);
        if (close == std::string_view::npos || close == i) {
          return std::nullopt;
        }
        std::size_t index = 0;
        const auto digits = path.substr(i, close - i);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
        if (ec != std::errc{} || end != digits.data() + digits.size()) {
          return std::nullopt;
        }
        out.emplace_back(index);
        i = close + 1;
      }
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace

bool valid_json_path(std::string_view path) {
  return split(path).has_value();
}

std::optional<std::string> json_path_lookup(const nlohmann::json& doc, std::string_view path) {
  const auto segments = split(path);
  if (!segments) {
    return std::nullopt;
  }
  const nlohmann::json* at = &doc;
  for (const auto& seg : *segments) {
    if (const auto* key = std::get_if<std::string>(&seg)) {
      if (!at->is_object()) {
        return std::nullopt;
      }
      const auto it = at->find(*key);
      if (it == at->end()) {
        return std::nullopt;
      }
      at = &*it;
    } else {
      const auto index = std::get<std::size_t>(seg);
      if (!at->is_array() || index >= at->size()) {
        return std::nullopt;
      }
      at = &(*at)[index];
    }
  }
  if (at->is_string()) {
    return at->get<std::string>();
  }
  return at->dump();
}

}  // namespace stampede::scenario

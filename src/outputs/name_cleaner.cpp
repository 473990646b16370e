// SPDX-License-Identifier: Apache-2.0
#include "outputs/name_cleaner.hpp"

#include <fmt/format.h>

namespace stampede::outputs {

name_cleaner::name_cleaner(std::string_view allowed) {
  for (int c = 0; c < 256; ++c) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    allowed_[static_cast<std::size_t>(c)] = alnum;
  }
  for (const unsigned char c : allowed) {
    allowed_[c] = true;
  }
}

const std::string& name_cleaner::operator()(const std::string& raw) {
  if (const auto it = cleaned_.find(raw); it != cleaned_.end()) {
    return it->second;
  }
  std::string clean;
  for (const unsigned char c : raw) {
    clean += allowed_[c] ? static_cast<char>(c) : '_';
  }
  if (clean.empty()) {
    clean = "_";
  }
  auto unique = clean;
  for (int n = 2; taken_.contains(unique); ++n) {
    unique = fmt::format("{}_{}", clean, n);
  }
  taken_.insert(unique);
  return cleaned_.emplace(raw, std::move(unique)).first->second;
}

}  // namespace stampede::outputs

// SPDX-License-Identifier: Apache-2.0
#include "core/duration_text.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace stampede::core {

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  std::size_t digits = 0;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc{} || end != text.data() + digits || !std::isfinite(value)) {
    return std::nullopt;
  }
  const auto unit = text.substr(digits);
  double ns_per_unit = 0;
  if (unit.empty() || unit == "s") {
    ns_per_unit = 1e9;
  } else if (unit == "ms") {
    ns_per_unit = 1e6;
  } else if (unit == "us") {
    ns_per_unit = 1e3;
  } else if (unit == "m") {
    ns_per_unit = 60e9;
  } else if (unit == "h") {
    ns_per_unit = 3600e9;
  } else {
    return std::nullopt;
  }
  const double ns = value * ns_per_unit;
  if (ns > 1e18) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::string format_duration(std::chrono::nanoseconds d) {
  const double ns = static_cast<double>(d.count());
  if (ns < 1e6) {
    return fmt::format("{:.0f}us", ns / 1e3);
  }
  if (ns < 1e9) {
    return fmt::format("{:.1f}ms", ns / 1e6);
  }
  if (ns < 60e9) {
    return fmt::format("{:.1f}s", ns / 1e9);
  }
  const auto total_s = static_cast<std::int64_t>(ns / 1e9);
  if (total_s < 3600) {
    return fmt::format("{}m{:02}s", total_s / 60, total_s % 60);
  }
  return fmt::format("{}h{:02}m", total_s / 3600, (total_s % 3600) / 60);
}

}  // namespace stampede::core

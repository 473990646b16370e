// SPDX-License-Identifier: Apache-2.0
#include "core/duration_text.hpp"

#include <charconv>
#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace stampede::core {

namespace {

/// Nanoseconds in one `unit`, and its rank (larger units rank higher); 0 for no unit.
struct unit_info {
  double ns = 0;
  int rank = 0;
};

unit_info unit_of(std::string_view unit) {
  constexpr std::pair<std::string_view, unit_info> units[] = {
      {"h", {3600e9, 5}}, {"m", {60e9, 4}}, {"s", {1e9, 3}}, {"ms", {1e6, 2}}, {"us", {1e3, 1}}};
  for (const auto& [name, info] : units) {
    if (name == unit) {
      return info;
    }
  }
  return {};
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return std::nullopt;
  }
  // One or more "<number><unit>" parts, larger units first ("1m30s", "2s500ms"); a bare
  // number alone means seconds.
  double ns = 0;
  int last_rank = 6;
  bool first = true;
  while (!text.empty()) {
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
    text.remove_prefix(digits);
    std::size_t letters = 0;
    while (letters < text.size() && text[letters] >= 'a' && text[letters] <= 'z') {
      ++letters;
    }
    const auto unit = text.substr(0, letters);
    text.remove_prefix(letters);
    if (unit.empty()) {
      if (!first || !text.empty()) {
        return std::nullopt;  // "1m30": which unit is 30?
      }
      ns = value * 1e9;
      break;
    }
    const auto u = unit_of(unit);
    if (u.rank == 0 || u.rank >= last_rank) {
      return std::nullopt;  // unknown, repeated or out of order
    }
    last_rank = u.rank;
    first = false;
    ns += value * u.ns;
  }
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

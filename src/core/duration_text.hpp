// SPDX-License-Identifier: Apache-2.0
// Durations as people write them in campaign files and flags: "250ms", "2s", "1.5m", "1h",
// "1m30s".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace stampede::core {

/// Parses non-negative numbers each followed by a unit (us, ms, s, m or h), larger units first
/// and each at most once: "1m30s", "2s500ms". A bare number alone means seconds. Returns
/// nullopt for anything else (negative, empty, unknown unit, out of order, trailing text).
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// Formats for people: "850us", "12.3ms", "2.5s", "1m30s".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace stampede::core

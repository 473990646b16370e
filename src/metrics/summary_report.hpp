// SPDX-License-Identifier: Apache-2.0
// The end summary as people read it in a terminal.
#pragma once

#include <string>
#include <string_view>

#include "metrics/summary.hpp"

namespace stampede::metrics {

/// Multi-line text; `color` adds ANSI colours for pass/fail marks.
std::string format_summary(const summary& s, bool color);

/// 1234567 -> "1,234,567".
std::string group_digits(std::uint64_t n);
/// 1536 -> "1.5 KiB".
std::string format_bytes(std::uint64_t n);
/// Milliseconds for people: "850us", "12.3ms", "1.25s".
std::string format_ms(double ms);
/// A threshold's measured value in its metric's unit: "12.3ms", "2.50%", "1200".
/// A system-under-test value of `key` ("cpu.max", "rss.max"): "153.2%", "12.0 MiB", "3".
std::string format_sut_value(std::string_view key, double v);
std::string format_threshold_value(const std::string& expression, double v);

}  // namespace stampede::metrics

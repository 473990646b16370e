// SPDX-License-Identifier: Apache-2.0
// Threshold expressions ("http.latency.p95 < 200ms") for campaign files and --threshold.
#pragma once

#include <string_view>

#include "scenario/campaign.hpp"

namespace stampede::scenario {

/// Parses `METRIC OP VALUE`. OP is one of < <= > >= ==. METRIC is one of
///   http.latency.STAT, http.ttfb.STAT, http.connect.STAT with STAT in min mean p50 p90 p95 p99
///     p999 max (avg and med are accepted for mean and p50): VALUE is a latency with unit us, ms,
///     s or m, a bare number meaning milliseconds; stored in milliseconds;
///   http.error_rate, checks.rate: VALUE is a ratio (0.01) or a percentage (1%) between 0 and 1;
///     stored as a ratio;
///   http.requests, http.rps, iterations.dropped: VALUE is a number >= 0.
/// METRIC may carry filters, `METRIC{key=value, ...}`, a value holding spaces or commas in
/// double quotes: scenario= or step= with http.latency.STAT, http.error_rate, http.requests,
/// http.rps; status= (a code like 500 or a class like 5xx) with http.requests and http.rps, for
/// the whole run or, as a class, with step=. Other combinations are refused: they are not
/// measured. Whether the names exist is the campaign's to check (threshold_scope_check.hpp).
/// Throws std::invalid_argument whose what() says what is wrong (without the expression's
/// origin: callers prefix "thresholds[2]" or "--threshold").
threshold parse_threshold(std::string_view expression);

}  // namespace stampede::scenario

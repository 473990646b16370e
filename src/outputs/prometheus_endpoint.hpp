// SPDX-License-Identifier: Apache-2.0
// `prometheus=HOST:PORT`: a scrape endpoint, `GET /metrics` in the text exposition format
// 0.0.4, for as long as the run goes and `linger` after it, so the last seconds are scraped.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "outputs/output.hpp"

namespace stampede::outputs {

/// Listens at once (a taken port is an error before the run starts): throws
/// std::runtime_error naming the address.
std::unique_ptr<output> make_prometheus_endpoint(const std::string& address,
                                                 std::chrono::milliseconds linger,
                                                 std::string* listening_on = nullptr);

/// What /metrics answers: `totals` (counts since the run began) and `levels` (the last
/// second's levels and statistics), labelled with `last`'s campaign and run. For the tests.
std::string exposition_text(const second_record* last, const std::vector<series_point>& totals,
                            const std::vector<series_point>& levels);

}  // namespace stampede::outputs

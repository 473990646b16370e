// SPDX-License-Identifier: Apache-2.0
// The report as one self-contained HTML file: the page, its script, its styles and uPlot
// inlined, the run's data embedded; it fetches nothing and opens offline.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace stampede::report {

/// Replaces the first `marker` of `page` (as "/*@name@*/") with `value`.
void fill_marker(std::string& page, std::string_view marker, std::string_view value);

/// The page for `data` (report_data()).
std::string render_page(const nlohmann::json& data);

/// The data as it can sit in a <script> element: "</" cannot end the element early, and the
/// line separators JavaScript once refused are escaped too.
std::string script_safe_json(const nlohmann::json& data);

}  // namespace stampede::report

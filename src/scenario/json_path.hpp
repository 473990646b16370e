// SPDX-License-Identifier: Apache-2.0
// A small JSON path subset for checks and captures: $, .key, ['key'], [index], nested.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace stampede::scenario {

/// True when `path` is well-formed: starts with '$', then .key / ['key'] / [N] segments.
bool valid_json_path(std::string_view path);

/// The value at `path`: strings unquoted, anything else as compact JSON text.
/// nullopt when the path is malformed or leads nowhere.
std::optional<std::string> json_path_lookup(const nlohmann::json& doc, std::string_view path);

}  // namespace stampede::scenario

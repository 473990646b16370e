// SPDX-License-Identifier: Apache-2.0
// Reads checks and captures (see check_reader.cpp). Internal to the campaign parser. Each
// throws campaign_error at the offending line and field.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/yaml_reader.hpp"

namespace stampede::scenario::detail {

check read_check(const node_reader& r, const YAML::Node& n, const std::string& field);
capture read_capture(const node_reader& r, const YAML::Node& n, const std::string& field);
/// Notes the names a request's `capture:` list stores into (`as: NAME`), as far as it can be
/// read, without checking it: called before the request is read, so that a mistake anywhere in
/// the request does not also make its captured names "not defined" where later steps use them.
void note_captured_names(const node_reader& r, const YAML::Node& list);
/// `expect_status`: one status code or a list of them (100 to 599), each given once.
std::vector<int> read_statuses(const node_reader& r, const YAML::Node& n, const std::string& field);
/// The `equals:` beside `n`'s path or header, when there is one: a template.
std::optional<template_string> read_equals(const node_reader& r, const YAML::Node& n,
                                           const std::string& field);
/// A regular expression RE2 accepts (no backreferences or lookaround).
std::string read_regex(const node_reader& r, const YAML::Node& n, const std::string& field);
/// A JSON path: $.items[0].id, $['a key'].
std::string read_json_path(const node_reader& r, const YAML::Node& n, const std::string& field);

}  // namespace stampede::scenario::detail

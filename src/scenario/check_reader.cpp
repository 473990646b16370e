// SPDX-License-Identifier: Apache-2.0
// A request's checks and captures, and the regular expressions and JSON paths they (and
// WebSocket expects) name, read from YAML into the model.
#include "scenario/check_reader.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "scenario/http_syntax.hpp"
#include "scenario/json_path.hpp"
#include "scenario/regex.hpp"

namespace stampede::scenario::detail {
namespace {

/// A cookie's name: an HTTP token (RFC 6265 4.1.1).
std::string read_cookie_name(const node_reader& r, const YAML::Node& n, const std::string& field) {
  auto name = r.name(n, field);
  if (!is_header_name(name)) {
    r.fail(n, field, "invalid cookie name '" + name + "' (a token: letters, digits, - _ .)");
  }
  return name;
}

/// " == value" or " exists", for descriptions like "json $.id == 42". Descriptions show values
/// as written: a check's name is stored with the run, and a run parameter's value may be a
/// secret.
std::string equals_text(const node_reader& r, const YAML::Node& n, const std::string& field) {
  return n["equals"] ? " == " + r.text(n["equals"], field + ".equals") : " exists";
}

}  // namespace

check read_check(const node_reader& r, const YAML::Node& n, const std::string& field) {
  r.expect_map(n, field);
  r.only_fields(n, field,
                {"status", "header", "body_contains", "json", "cookie", "equals", "name"});
  const int kinds = (n["status"] ? 1 : 0) + (n["header"] ? 1 : 0) + (n["body_contains"] ? 1 : 0) +
                    (n["json"] ? 1 : 0) + (n["cookie"] ? 1 : 0);
  if (kinds != 1) {
    r.fail(n, field, "a check is exactly one of status, header, body_contains, json or cookie");
  }
  check c;
  if (n["name"]) {
    c.name = r.name(n["name"], field + ".name");
  }
  if (n["status"]) {
    if (n["equals"]) {
      r.fail(n["equals"], field + ".equals", "a status check takes the code itself: status: 200");
    }
    const auto code = r.positive_int(n["status"], field + ".status");
    if (code < 100 || code > 599) {
      r.fail(n["status"], field + ".status",
             fmt::format("expected an HTTP status code (100 to 599), got {}", code));
    }
    c.what = check::kind::status;
    c.expected = template_string(std::to_string(code));
    c.description = "status == " + std::to_string(code);
  } else if (n["header"]) {
    c.what = check::kind::header;
    c.subject = r.text(n["header"], field + ".header");
    if (!is_header_name(c.subject)) {
      r.fail(n["header"], field + ".header", "invalid header name '" + c.subject + "'");
    }
    c.expected = read_equals(r, n, field);
    c.description = "header " + c.subject + equals_text(r, n, field);
  } else if (n["body_contains"]) {
    if (n["equals"]) {
      r.fail(n["equals"], field + ".equals", "body_contains takes the text itself");
    }
    c.what = check::kind::body_contains;
    const auto as_written = r.name(n["body_contains"], field + ".body_contains");
    c.expected = r.templated(as_written, n["body_contains"], field + ".body_contains");
    c.description = "body contains '" + as_written + "'";
  } else if (n["cookie"]) {
    c.what = check::kind::cookie;
    c.subject = read_cookie_name(r, n["cookie"], field + ".cookie");
    c.expected = read_equals(r, n, field);
    c.description = "cookie " + c.subject + equals_text(r, n, field);
  } else {
    c.what = check::kind::json_path;
    c.subject = read_json_path(r, n["json"], field + ".json");
    c.expected = read_equals(r, n, field);
    c.description = "json " + c.subject + equals_text(r, n, field);
  }
  return c;
}

capture read_capture(const node_reader& r, const YAML::Node& n, const std::string& field) {
  r.expect_map(n, field);
  r.only_fields(n, field, {"json", "header", "regex", "cookie", "as"});
  const int kinds =
      (n["json"] ? 1 : 0) + (n["header"] ? 1 : 0) + (n["regex"] ? 1 : 0) + (n["cookie"] ? 1 : 0);
  if (kinds != 1) {
    r.fail(n, field, "a capture is exactly one of json, header, regex or cookie, with as: NAME");
  }
  capture c;
  const YAML::Node as = r.required(n, "as", field, "the variable to capture into");
  c.variable = r.name(as, field + ".as");
  if (c.variable.find_first_of(" \t{}") != std::string::npos) {
    r.fail(as, field + ".as",
           "invalid variable name '" + c.variable + "' (no spaces or braces: as: token)");
  }
  if (n["json"]) {
    c.from = capture::kind::json_path;
    c.expression = read_json_path(r, n["json"], field + ".json");
  } else if (n["header"]) {
    c.from = capture::kind::header;
    c.expression = r.text(n["header"], field + ".header");
    if (!is_header_name(c.expression)) {
      r.fail(n["header"], field + ".header", "invalid header name '" + c.expression + "'");
    }
  } else if (n["cookie"]) {
    c.from = capture::kind::cookie;
    c.expression = read_cookie_name(r, n["cookie"], field + ".cookie");
  } else {
    c.from = capture::kind::regex;
    c.expression = read_regex(r, n["regex"], field + ".regex");
  }
  return c;
}

void note_captured_names(const node_reader& r, const YAML::Node& list) {
  if (!list.IsSequence()) {
    return;
  }
  for (const auto& item : list) {
    if (item.IsMap() && item["as"] && item["as"].IsScalar()) {
      r.variables().note_capture(item["as"].Scalar());
    }
  }
}

std::optional<template_string> read_equals(const node_reader& r, const YAML::Node& n,
                                           const std::string& field) {
  if (!n["equals"]) {
    return std::nullopt;
  }
  return r.templated(r.text(n["equals"], field + ".equals"), n["equals"], field + ".equals");
}

std::vector<int> read_statuses(const node_reader& r, const YAML::Node& n,
                               const std::string& field) {
  const auto status_of = [&](const YAML::Node& item, const std::string& item_field) {
    const auto code = r.positive_int(item, item_field);
    if (code < 100 || code > 599) {
      r.fail(item, item_field,
             fmt::format("expected an HTTP status code (100 to 599), got {}", code));
    }
    return static_cast<int>(code);
  };
  if (n.IsScalar()) {
    return {status_of(n, field)};
  }
  r.expect_list(n, field, true);
  std::vector<int> codes;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const auto item_field = index_path(field, i);
    const auto code = status_of(n[i], item_field);
    if (std::find(codes.begin(), codes.end(), code) != codes.end()) {
      r.fail(n[i], item_field, fmt::format("{} is given twice", code));
    }
    codes.push_back(code);
  }
  return codes;
}

std::string read_regex(const node_reader& r, const YAML::Node& n, const std::string& field) {
  auto text = r.name(n, field);
  if (const auto why = regex::error_of(text)) {
    r.fail(n, field, "invalid regular expression (RE2): " + *why);
  }
  return text;
}

std::string read_json_path(const node_reader& r, const YAML::Node& n, const std::string& field) {
  auto path = r.text(n, field);
  if (!valid_json_path(path)) {
    r.fail(n, field,
           fmt::format("invalid JSON path '{}' (expected e.g. $.items[0].id or $['a key'])", path));
  }
  return path;
}

}  // namespace stampede::scenario::detail

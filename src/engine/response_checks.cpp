// SPDX-License-Identifier: Apache-2.0
#include "engine/response_checks.hpp"

#include <algorithm>

#include "scenario/json_path.hpp"

namespace stampede::engine {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string excerpt(std::string_view s) {
  constexpr std::size_t limit = 80;
  return s.size() <= limit ? std::string(s) : std::string(s.substr(0, limit)) + "...";
}

}  // namespace

const std::string* response_checks::header(std::string_view name) const {
  for (const auto& [k, v] : resp_.headers) {
    if (iequals(k, name)) {
      return &v;
    }
  }
  return nullptr;
}

const nlohmann::json* response_checks::json() {
  if (!json_parsed_) {
    json_parsed_ = true;
    json_ = nlohmann::json::parse(resp_.body, nullptr, /*allow_exceptions=*/false);
  }
  return json_.is_discarded() ? nullptr : &json_;
}

bool response_checks::passes(const scenario::check& check, const scenario::variable_source& vars,
                             std::string& failure) {
  using kind = scenario::check::kind;
  const std::string expected = check.expected ? check.expected->render(vars) : std::string();
  switch (check.what) {
    case kind::status: {
      const auto got = std::to_string(resp_.status);
      if (got == expected) {
        return true;
      }
      failure = "got status " + got;
      return false;
    }
    case kind::header: {
      const auto* value = header(check.subject);
      if (value == nullptr) {
        failure = "header missing";
        return false;
      }
      if (check.expected && *value != expected) {
        failure = "got '" + excerpt(*value) + "'";
        return false;
      }
      return true;
    }
    case kind::body_contains:
      if (resp_.body.find(expected) != std::string::npos) {
        return true;
      }
      failure = "body was '" + excerpt(resp_.body) + "'";
      return false;
    case kind::json_path: {
      const auto* doc = json();
      if (doc == nullptr) {
        failure = "body is not JSON";
        return false;
      }
      const auto value = scenario::json_path_lookup(*doc, check.subject);
      if (!value) {
        failure = "path not found";
        return false;
      }
      if (check.expected && *value != expected) {
        failure = "got '" + excerpt(*value) + "'";
        return false;
      }
      return true;
    }
  }
  return false;
}

std::optional<std::string> response_checks::capture(const scenario::capture& cap,
                                                    const std::regex* regex) {
  using kind = scenario::capture::kind;
  switch (cap.from) {
    case kind::header:
      if (const auto* v = header(cap.expression)) {
        return *v;
      }
      return std::nullopt;
    case kind::json_path:
      if (const auto* doc = json()) {
        return scenario::json_path_lookup(*doc, cap.expression);
      }
      return std::nullopt;
    case kind::regex: {
      if (regex == nullptr) {
        return std::nullopt;
      }
      std::smatch match;
      if (!std::regex_search(resp_.body, match, *regex)) {
        return std::nullopt;
      }
      return match.size() > 1 ? match[1].str() : match[0].str();
    }
  }
  return std::nullopt;
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// Evaluates checks and captures on one response. The body is parsed as JSON at most once,
// and only when a check or capture asks for a JSON path.
#pragma once

#include <optional>

#include <string>

#include <nlohmann/json.hpp>

#include "engine/cookie_jar.hpp"
#include "protocol/common/session.hpp"
#include "scenario/campaign.hpp"
#include "scenario/regex.hpp"

namespace stampede::engine {

class response_checks {
 public:
  /// `cookies`: the user's jar once this response's cookies are in it, for cookie checks and
  /// captures; null when there is none.
  explicit response_checks(const protocol::response& resp, const cookie_jar* cookies = nullptr)
      : resp_(resp), cookies_(cookies) {}

  /// True when the check holds; otherwise `failure`, when given, says what was seen instead.
  bool passes(const scenario::check& check, const scenario::variable_source& vars,
              std::string* failure = nullptr);
  /// The captured value, or nullopt when the response does not have it.
  std::optional<std::string> capture(const scenario::capture& cap, const scenario::regex* regex);

 private:
  const std::string* header(std::string_view name) const;
  const nlohmann::json* json();
  const std::string* cookie(std::string_view name) const;

  const protocol::response& resp_;
  const cookie_jar* cookies_;
  bool json_parsed_ = false;
  nlohmann::json json_;
};

}  // namespace stampede::engine

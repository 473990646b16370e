// SPDX-License-Identifier: Apache-2.0
#include "engine/response_checks.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "scenario/json_path.hpp"

namespace stampede::engine {
namespace {

using core::iequals;

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

const std::string* response_checks::cookie(std::string_view name) const {
  return cookies_ == nullptr ? nullptr : cookies_->value_of(name, std::chrono::system_clock::now());
}

const nlohmann::json* response_checks::json() {
  if (!json_parsed_) {
    json_parsed_ = true;
    json_ = nlohmann::json::parse(resp_.body, nullptr, /*allow_exceptions=*/false);
  }
  return json_.is_discarded() ? nullptr : &json_;
}

bool response_checks::passes(const scenario::check& check, const scenario::variable_source& vars,
                             std::string* failure) {
  // What was seen instead, written only when asked for: under overload most failures are
  // counted, not described.
  const auto fail = [&](auto&& describe) {
    if (failure != nullptr) {
      *failure = describe();
    }
    return false;
  };
  using kind = scenario::check::kind;
  const std::string expected = check.expected ? check.expected->render(vars) : std::string();
  switch (check.what) {
    case kind::status: {
      const auto got = std::to_string(resp_.status);
      if (got == expected) {
        return true;
      }
      return fail([&] { return "got status " + got; });
    }
    case kind::header: {
      const auto* value = header(check.subject);
      if (value == nullptr) {
        return fail([] { return std::string("header missing"); });
      }
      if (check.expected && *value != expected) {
        return fail([&] { return "got '" + excerpt(*value) + "'"; });
      }
      return true;
    }
    case kind::body_contains:
      if (resp_.body.find(expected) != std::string::npos) {
        return true;
      }
      return fail([&] { return "body was '" + excerpt(resp_.body) + "'"; });
    case kind::json_path: {
      const auto* doc = json();
      if (doc == nullptr) {
        return fail([] { return std::string("body is not JSON"); });
      }
      const auto value = scenario::json_path_lookup(*doc, check.subject);
      if (!value) {
        return fail([] { return std::string("path not found"); });
      }
      if (check.expected && *value != expected) {
        return fail([&] { return "got '" + excerpt(*value) + "'"; });
      }
      return true;
    }
    case kind::cookie: {
      const auto* value = cookie(check.subject);
      if (value == nullptr) {
        return fail([] { return std::string("no such cookie"); });
      }
      if (check.expected && *value != expected) {
        return fail([&] { return "got '" + excerpt(*value) + "'"; });
      }
      return true;
    }
  }
  return false;
}

std::optional<std::string> response_checks::capture(const scenario::capture& cap,
                                                    const scenario::regex* regex) {
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
    case kind::cookie:
      if (const auto* v = cookie(cap.expression)) {
        return *v;
      }
      return std::nullopt;
    case kind::regex: {
      if (regex == nullptr) {
        return std::nullopt;
      }
      return regex->capture(resp_.body);
    }
  }
  return std::nullopt;
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
#include "scenario/regex.hpp"

#include <stdexcept>

#include <re2/re2.h>

namespace stampede::scenario {
namespace {

RE2::Options options() {
  RE2::Options o;
  o.set_log_errors(false);  // errors are reported with the campaign's file and line instead
  return o;
}

/// RE2's reason, with what to do when it is syntax RE2 leaves out on purpose.
std::string explain(const RE2& re) {
  std::string why = re.error();
  const auto code = re.error_code();
  if (code == RE2::ErrorBadEscape || code == RE2::ErrorBadPerlOp ||
      code == RE2::ErrorBadNamedCapture) {
    why += " (RE2 syntax: backreferences and lookaround are not supported)";
  }
  return why;
}

}  // namespace

regex::regex(const std::string& pattern) : re_(std::make_unique<RE2>(pattern, options())) {
  if (!re_->ok()) {
    throw std::invalid_argument(explain(*re_));
  }
}

regex::~regex() = default;
regex::regex(regex&&) noexcept = default;
regex& regex::operator=(regex&&) noexcept = default;

std::optional<std::string> regex::error_of(const std::string& pattern) {
  const RE2 re(pattern, options());
  if (re.ok()) {
    return std::nullopt;
  }
  return explain(re);
}

bool regex::search(std::string_view text) const {
  return RE2::PartialMatch(text, *re_);
}

std::optional<std::string> regex::capture(std::string_view text) const {
  if (re_->NumberOfCapturingGroups() == 0) {
    re2::StringPiece whole;
    if (!re_->Match(text, 0, text.size(), RE2::UNANCHORED, &whole, 1)) {
      return std::nullopt;
    }
    return std::string(whole.data(), whole.size());
  }
  re2::StringPiece group;
  if (!RE2::PartialMatch(text, *re_, &group)) {
    return std::nullopt;
  }
  return std::string(group.data(), group.size());
}

}  // namespace stampede::scenario

// SPDX-License-Identifier: Apache-2.0
#include "scenario/threshold_scope_check.hpp"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "core/text.hpp"
#include "scenario/yaml_reader.hpp"

namespace stampede::scenario {
namespace {

/// Names listed in a message; past this many the list is cut ("...").
constexpr std::size_t listed_names = 12;

void add_step_names(const std::vector<step>& flow, std::vector<std::string>& names) {
  const auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  };
  for (const auto& s : flow) {
    if (const auto* r = std::get_if<request_step>(&s)) {
      add(r->name);
    } else if (const auto* ws = std::get_if<ws_open_step>(&s)) {
      add(ws->name);
    } else if (const auto* sse = std::get_if<sse_step>(&s)) {
      add(sse->name);
    } else if (const auto* poll = std::get_if<longpoll_step>(&s)) {
      add(poll->request.name);
    } else if (const auto* publish = std::get_if<publish_step>(&s)) {
      add(publish->request.name);
    } else if (const auto* loop = std::get_if<loop_step>(&s)) {
      add_step_names(loop->flow, names);
    }
  }
}

/// "no step named 'GET /ordrs'; did you mean 'GET /orders'? (steps: ...)".
std::string unknown(std::string_view what, const std::string& name,
                    const std::vector<std::string>& known) {
  // closest() compares in lower case: step names ("GET /") are upper case, so the names are
  // compared lowered too and the suggestion shown as written.
  std::vector<std::string> lowered;
  for (const auto& k : known) {
    lowered.push_back(core::to_lower(k));
  }
  const std::vector<std::string_view> views(lowered.begin(), lowered.end());
  auto message = fmt::format("no {} named '{}'", what, name);
  if (const auto best = detail::closest(name, views)) {
    const auto at =
        static_cast<std::size_t>(std::find(views.begin(), views.end(), *best) - views.begin());
    message += fmt::format("; did you mean '{}'?", known[at]);
  }
  std::string listed;
  for (std::size_t i = 0; i < known.size() && i < listed_names; ++i) {
    listed += fmt::format("{}'{}'", i == 0 ? "" : ", ", known[i]);
  }
  if (known.size() > listed_names) {
    listed += ", ...";
  }
  return message + fmt::format(" (the campaign's {}s: {})", what, listed.empty() ? "none" : listed);
}

}  // namespace

std::vector<std::string> summary_step_names(const campaign& c) {
  std::vector<std::string> names;
  for (const auto& sc : c.scenarios) {
    add_step_names(sc.flow, names);
  }
  return names;
}

std::optional<std::string> unknown_scope_name(const threshold& t, const campaign& c) {
  if (!t.scope.scenario.empty()) {
    std::vector<std::string> names;
    for (const auto& sc : c.scenarios) {
      names.push_back(sc.name);
    }
    if (std::find(names.begin(), names.end(), t.scope.scenario) == names.end()) {
      return unknown("scenario", t.scope.scenario, names);
    }
  }
  if (!t.scope.step.empty()) {
    const auto names = summary_step_names(c);
    if (std::find(names.begin(), names.end(), t.scope.step) == names.end()) {
      return unknown("step", t.scope.step, names);
    }
  }
  return std::nullopt;
}

}  // namespace stampede::scenario

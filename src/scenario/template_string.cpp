// SPDX-License-Identifier: Apache-2.0
#include "scenario/template_string.hpp"

namespace stampede::scenario {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

template_string::template_string(std::string_view text) : text_(text) {
  std::size_t pos = 0;
  std::string literal;
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      break;
    }
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      break;
    }
    const auto name = trim(text.substr(open + 2, close - open - 2));
    literal.append(text.substr(pos, open - pos));
    if (name.empty()) {
      literal.append(text.substr(open, close + 2 - open));
    } else {
      if (!literal.empty()) {
        segments_.push_back({false, std::move(literal)});
        literal.clear();
      }
      segments_.push_back({true, std::string(name)});
      variables_.emplace_back(name);
    }
    pos = close + 2;
  }
  literal.append(text.substr(pos));
  if (!literal.empty()) {
    segments_.push_back({false, std::move(literal)});
  }
}

void template_string::render_to(const variable_source& vars, std::string& out) const {
  if (variables_.empty()) {
    out.append(text_);
    return;
  }
  for (const auto& seg : segments_) {
    if (!seg.is_variable) {
      out.append(seg.value);
    } else if (const auto* value = vars.find(seg.value)) {
      out.append(*value);
    } else {
      out.append("{{").append(seg.value).append("}}");
    }
  }
}

std::string template_string::render(const variable_source& vars) const {
  std::string out;
  render_to(vars, out);
  return out;
}

}  // namespace stampede::scenario

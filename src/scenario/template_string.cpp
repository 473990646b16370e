// SPDX-License-Identifier: Apache-2.0
#include "scenario/template_string.hpp"

#include <cctype>

#include "core/text.hpp"

namespace stampede::scenario {
namespace {

using core::trim;

/// encodeURIComponent's unreserved set: everything else is written %XX.
bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("-_.!~*'()").find(static_cast<char>(c)) != std::string_view::npos;
}

void append_percent_encoded(std::string_view value, std::string& out) {
  constexpr std::string_view hex = "0123456789ABCDEF";
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
}

void append_json_escaped(std::string_view value, std::string& out) {
  constexpr std::string_view hex = "0123456789abcdef";
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    } else {
      out.push_back(ch);
    }
  }
}

void append_value(std::string_view value, value_escaping escaping, std::string& out) {
  switch (escaping) {
    case value_escaping::url:
      append_percent_encoded(value, out);
      break;
    case value_escaping::json:
      append_json_escaped(value, out);
      break;
    case value_escaping::none:
      out.append(value);
      break;
  }
}

enum class filter { none, raw, number };

/// "name|raw" or "name|number" (spaces allowed around the bar): the filter, and `name` cut to
/// "name".
filter strip_filter(std::string_view& name) {
  const auto bar = name.rfind('|');
  if (bar == std::string_view::npos) {
    return filter::none;
  }
  const auto word = trim(name.substr(bar + 1));
  const auto f = word == "raw" ? filter::raw : word == "number" ? filter::number : filter::none;
  if (f != filter::none) {
    name = trim(name.substr(0, bar));
  }
  return f;
}

/// Knows no variable: nothing is fixed.
class no_variables final : public variable_source {
 public:
  const std::string* find(std::string_view) const override { return nullptr; }
};

const variable_source& no_fixed_values() {
  static const no_variables none;
  return none;
}

}  // namespace

template_string::template_string(std::string_view text, value_escaping escaping)
    : template_string(text, escaping, no_fixed_values()) {}

template_string::template_string(std::string_view text, value_escaping escaping,
                                 const variable_source& fixed) {
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
    auto name = trim(text.substr(open + 2, close - open - 2));
    const auto f = strip_filter(name);
    const bool raw = f == filter::raw;
    // Values go in escaped as the text asks, but as they are with |raw, and |number (a JSON
    // number, checked before sending) has nothing to escape.
    const auto value_escape = f == filter::none ? escaping : value_escaping::none;
    has_number_values_ = has_number_values_ || f == filter::number;
    literal.append(text.substr(pos, open - pos));
    text_.append(text.substr(pos, open - pos));
    const std::string* value = name.empty() ? nullptr : fixed.find(name);
    if (name.empty()) {
      literal.append(text.substr(open, close + 2 - open));
      text_.append(text.substr(open, close + 2 - open));
    } else if (value != nullptr) {
      const auto before = literal.size();
      append_value(*value, value_escape, literal);
      // A raw value is checked before it is sent, as a rendered one would be.
      has_raw_values_ = has_raw_values_ || (escaping == value_escaping::url && raw);
      text_.append(literal, before);
    } else {
      text_.append(text.substr(open, close + 2 - open));
      if (!literal.empty()) {
        segments_.push_back({false, value_escaping::none, false, std::move(literal)});
        literal.clear();
      }
      has_raw_values_ = has_raw_values_ || (escaping == value_escaping::url && raw);
      segments_.push_back({true, value_escape, f == filter::number, std::string(name)});
      variables_.emplace_back(name);
    }
    pos = close + 2;
  }
  literal.append(text.substr(pos));
  text_.append(text.substr(pos));
  if (!literal.empty()) {
    segments_.push_back({false, value_escaping::none, false, std::move(literal)});
  }
}

std::string_view template_string::render_to(const variable_source& vars, std::string& out) const {
  if (variables_.empty()) {
    out.append(text_);
    return {};
  }
  std::string_view missing;
  for (const auto& seg : segments_) {
    if (!seg.is_variable) {
      out.append(seg.value);
    } else if (const auto* value = vars.find(seg.value)) {
      append_value(*value, seg.escaping, out);
    } else {
      out.append("{{").append(seg.value).append("}}");
      if (missing.empty()) {
        missing = seg.value;
      }
    }
  }
  return missing;
}

std::string_view template_string::first_non_number(const variable_source& vars) const {
  for (const auto& seg : segments_) {
    if (seg.number) {
      const auto* value = vars.find(seg.value);
      if (value != nullptr && !is_json_number(*value)) {
        return seg.value;
      }
    }
  }
  return {};
}

bool is_json_number(std::string_view t) {
  std::size_t i = 0;
  const auto digits = [&] {
    const auto start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      ++i;
    }
    return i - start;
  };
  if (i < t.size() && t[i] == '-') {
    ++i;
  }
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (digits() == 0) {
      return false;
    }
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
      ++i;
    }
    if (digits() == 0) {
      return false;
    }
  }
  return i == t.size();
}

std::string template_string::render(const variable_source& vars) const {
  std::string out;
  render_to(vars, out);
  return out;
}

}  // namespace stampede::scenario

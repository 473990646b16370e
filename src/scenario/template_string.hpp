// SPDX-License-Identifier: Apache-2.0
// A string with {{variable}} placeholders, split once at load time so rendering is a copy loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stampede::scenario {

/// Looks up a variable by name; returns nullptr when the user has no such variable.
/// Implemented by the virtual user's variable store.
class variable_source {
 public:
  virtual const std::string* find(std::string_view name) const = 0;

 protected:
  ~variable_source() = default;
};

/// How variables' values are written into the text.
enum class value_escaping : std::uint8_t {
  none,  ///< as they are: header values, bodies, messages
  /// Percent-encoded as encodeURIComponent does (all but A-Z a-z 0-9 - _ . ! ~ * ' ( )): a
  /// value in a path or query can then never break the request line, whatever it holds.
  /// `{{name|raw}}` inserts a value as it is, for values that are paths or queries themselves.
  url,
  /// Inside JSON strings (a json: body or message): quotes, backslashes and control characters
  /// escaped, so a value cannot break the document. `{{name|number}}` written as a whole
  /// string value ("{{id|number}}") is the value itself, unquoted: 42, not "42".
  json,
};

/// `/users/{{id}}?page={{ page }}` compiled into literal and variable segments.
///
/// Thread-safety: immutable after construction; render() may run on many threads at once.
class template_string {
 public:
  template_string() = default;
  /// Parses `text`. An unterminated "{{" is kept as literal text. `{{name|raw}}` names the
  /// variable `name`, inserted without escaping.
  explicit template_string(std::string_view text, value_escaping escaping = value_escaping::none);
  /// The same, with the variables `fixed` knows written in as text (escaped as rendering would),
  /// so that what is fixed for a whole run (its parameters, {{env.NAME}}) costs nothing per
  /// request; the others stay variables. text() is then the text with those values in.
  template_string(std::string_view text, value_escaping escaping, const variable_source& fixed);

  /// The text as written.
  const std::string& text() const { return text_; }
  /// True when there is nothing to substitute: render() would return text().
  bool is_literal() const { return variables_.empty(); }
  /// Names of the variables used, in order of appearance (duplicates kept).
  const std::vector<std::string>& variables() const { return variables_; }
  /// True when some value goes in unescaped (`|raw`) where escaping was asked for: what it
  /// renders must be checked before it is sent.
  bool has_raw_values() const { return has_raw_values_; }
  /// True when some variable is written `{{name|number}}`.
  bool has_number_values() const { return has_number_values_; }
  /// The first `{{name|number}}` variable whose value is not a JSON number ("42", "-1.5e3"), or
  /// empty; values the source does not have are left to render_to's answer.
  std::string_view first_non_number(const variable_source& vars) const;

  /// Appends the rendered text to `out`. A variable the source does not know is left as written
  /// ("{{name}}"); the first such variable's name is returned (empty: every one was known), so
  /// a caller can refuse to send what it rendered.
  std::string_view render_to(const variable_source& vars, std::string& out) const;
  std::string render(const variable_source& vars) const;

 private:
  struct segment {
    bool is_variable = false;
    value_escaping escaping = value_escaping::none;  ///< how a variable's value is written
    bool number = false;  ///< `|number`: a JSON number, checked by first_non_number
    std::string value;    ///< literal text, or the variable name
  };
  std::string text_;
  std::vector<segment> segments_;
  std::vector<std::string> variables_;
  bool has_raw_values_ = false;
  bool has_number_values_ = false;
};

/// True when `text` is a JSON number (RFC 8259 section 6).
bool is_json_number(std::string_view text);

}  // namespace stampede::scenario

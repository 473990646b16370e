// SPDX-License-Identifier: Apache-2.0
// The campaign parser's typed YAML reader: every value read from a node, every failure a
// campaign_error at the node's line and field, typos answered with the closest known name,
// the variables templates use noted for the check at the end; and YAML values turned into JSON
// bodies within bounds. Shared by the parser's files only.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "core/duration_text.hpp"
#include "core/text.hpp"
#include "scenario/campaign.hpp"
#include "scenario/campaign_error.hpp"
#include "scenario/error_list.hpp"
#include "scenario/http_syntax.hpp"
#include "scenario/run_parameters.hpp"
#include "scenario/variable_ledger.hpp"

namespace stampede::scenario::detail {

// Limits that turn a typo (an extra zero) or a hostile file into an error instead of a run
// that exhausts memory or the stack.
inline constexpr std::uint64_t max_threads = 1024;
inline constexpr std::uint64_t max_weight = 1'000'000;
inline constexpr std::uint64_t max_streams_per_connection = 1000;
inline constexpr std::uint64_t max_redirects = 100;
inline constexpr std::uint64_t max_h2_window = 0x7fffffff;  ///< RFC 9113 6.9.1
inline constexpr std::uint32_t min_h2_connection_window = 65535;

using field_names = std::span<const std::string_view>;

inline bool contains(field_names names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

/// Edit distance where swapping two neighbours counts once ("usres" is 1 from "users").
inline std::size_t spelling_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

/// What users of other load testers write for stampede's names (k6, Locust, Gatling, wrk).
inline constexpr std::pair<std::string_view, std::string_view> other_tools_names[] = {
    {"sleep", "think"},     {"pause", "think"},
    {"wait", "think"},      {"vus", "users"},
    {"vu", "users"},        {"concurrency", "users"},
    {"clients", "users"},   {"connections", "users"},
    {"stages", "phases"},   {"host", "target"},
    {"base_url", "target"}, {"baseurl", "target"},
    {"rps", "rate"},        {"exec", "flow"},
    {"steps", "flow"},      {"timeout", "request_timeout"}};

/// The known name closest to `key`: another tool's word for it, or a name close enough to be a
/// likely typo (one edit for short names, two for longer ones, so "x" does not suggest "as").
inline std::optional<std::string_view> closest(std::string_view key, field_names known) {
  if (key.size() > 64) {
    return std::nullopt;  // no field name is that long, and the distance table grows as its square
  }
  const std::string lower = core::to_lower(key);
  for (const auto& [theirs, ours] : other_tools_names) {
    if (lower == theirs && contains(known, ours)) {
      return ours;
    }
  }
  const std::size_t allowed = lower.size() <= 4 ? 1 : 2;
  std::optional<std::string_view> best;
  std::size_t best_distance = allowed + 1;
  for (const auto name : known) {
    const auto d = spelling_distance(lower, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best;
}

inline std::string join_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

inline std::string index_path(std::string_view parent, std::size_t i) {
  return fmt::format("{}[{}]", parent, i);
}

inline source_position position_of(const YAML::Node& n) {
  const auto mark = n.Mark();
  return {mark.line + 1, mark.column + 1};
}

/// Reads YAML nodes into model values; every failure is a campaign_error at the node's line.
///
/// Nodes passed in must exist: look optional fields up with `if (n[key])` first, because
/// yaml-cpp throws InvalidNode from most calls on a missing one.
class node_reader {
 public:
  /// `root` is the document that will be read, for the lines of empty values; `params` the
  /// run's parameters, written into templates as they are read; `errors` keeps the errors of
  /// the items read so far, `variables` the variables templates use and captures define.
  node_reader(std::string file, const YAML::Node& root, const run_parameters& params,
              error_list& errors, variable_ledger& variables)
      : file_(std::move(file)), params_(params), errors_(errors), variables_(variables) {
    index_empty_values(root);
  }

  const std::string& file() const { return file_; }
  const run_parameters& params() const { return params_; }
  /// Where the loops over a campaign's items keep each item's error and go on.
  error_list& errors() const { return errors_; }
  variable_ledger& variables() const { return variables_; }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field,
                         const std::string& message) const {
    throw campaign_error(file_, line_of(at), field, message);
  }

  /// "'five'", "a list", "a mapping" or "nothing", for "expected X, got Y".
  static std::string describe(const YAML::Node& n) {
    if (n.IsScalar()) {
      constexpr std::size_t shown = 60;
      const auto& s = n.Scalar();
      return "'" + (s.size() > shown ? s.substr(0, shown) + "..." : s) + "'";
    }
    if (n.IsSequence()) {
      return "a list";
    }
    if (n.IsMap()) {
      return "a mapping";
    }
    return "nothing";
  }

  void expect_map(const YAML::Node& n, const std::string& field) const {
    if (!n.IsMap()) {
      fail(n, field, "expected a mapping of fields, got " + describe(n));
    }
  }

  void expect_list(const YAML::Node& n, const std::string& field, bool non_empty) const {
    if (!n.IsSequence()) {
      fail(n, field, "expected a list, got " + describe(n));
    }
    if (non_empty && n.size() == 0) {
      fail(n, field, "must not be empty");
    }
  }

  /// Every key of `map` must be in `known`, once. The first that is not is an error, with a
  /// suggestion when a known field is spelled close to it.
  void only_fields(const YAML::Node& map, const std::string& field,
                   std::initializer_list<std::string_view> known) const {
    only_fields(map, field, field_names(known.begin(), known.size()));
  }

  void only_fields(const YAML::Node& map, const std::string& field, field_names known) const {
    std::map<std::string, int> seen;  // key -> line, to point at the first of a repeated key
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) {
        fail(it->first, field, "expected a field name, got " + describe(it->first));
      }
      const auto& key = it->first.Scalar();
      const auto sub = join_path(field, key);
      const int line = it->first.Mark().line + 1;
      if (const auto first = seen.find(key); first != seen.end()) {
        fail(it->first, sub, fmt::format("given twice (first on line {})", first->second));
      }
      seen.emplace(key, line);
      if (contains(known, key)) {
        continue;
      }
      auto message = fmt::format("unknown field '{}'", key);
      if (const auto hint = closest(key, known)) {
        message += fmt::format("; did you mean '{}'?", *hint);
      }
      fail(it->first, sub, message);
    }
  }

  /// `map[key]`, or an error at the map when it is missing: "missing: `why`".
  YAML::Node required(const YAML::Node& map, const char* key, const std::string& field,
                      std::string_view why) const {
    const YAML::Node value = map[key];
    if (!value) {
      fail(map, join_path(field, key), fmt::format("missing: {}", why));
    }
    return value;
  }

  std::string text(const YAML::Node& n, const std::string& field) const {
    if (!n.IsScalar()) {
      // `X-Token: {{token}}` unquoted is YAML for a mapping whose only key is a mapping.
      if (n.IsMap() && n.size() == 1 && n.begin()->first.IsMap()) {
        fail(n, field,
             "expected text, got a mapping: quote a value that starts with {{, e.g. "
             "\"{{token}}\"");
      }
      fail(n, field, "expected text, got " + describe(n));
    }
    return n.Scalar();
  }

  std::string name(const YAML::Node& n, const std::string& field) const {
    auto s = text(n, field);
    if (s.empty()) {
      fail(n, field, "must not be empty");
    }
    return s;
  }

  std::uint64_t positive_int(const YAML::Node& n, const std::string& field,
                             std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const {
    const auto s = n.IsScalar() ? n.Scalar() : std::string();
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || s.empty() || ec != std::errc{} || end != s.data() + s.size() || v == 0) {
      fail(n, field, "expected a positive integer, got " + describe(n));
    }
    if (v > max) {
      fail(n, field, fmt::format("expected at most {}, got {}", max, v));
    }
    return v;
  }

  /// Like positive_int, with 0 allowed.
  std::uint64_t count(const YAML::Node& n, const std::string& field,
                      std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const {
    if (n.IsScalar() && n.Scalar() == "0") {
      return 0;
    }
    const auto s = n.IsScalar() ? n.Scalar() : std::string();
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
      fail(n, field, "expected an integer >= 0, got " + describe(n));
    }
    if (v > max) {
      fail(n, field, fmt::format("expected at most {}, got {}", max, v));
    }
    return v;
  }

  double number(const YAML::Node& n, const std::string& field, bool allow_zero) const {
    const auto s = n.IsScalar() ? n.Scalar() : std::string();
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || s.empty() || ec != std::errc{} || end != s.data() + s.size() ||
        !std::isfinite(v) || v < 0 || (!allow_zero && v == 0)) {
      fail(n, field,
           fmt::format("expected a number {} 0, got {}", allow_zero ? ">=" : ">", describe(n)));
    }
    return v;
  }

  duration length(const YAML::Node& n, const std::string& field, bool allow_zero) const {
    const auto d = n.IsScalar() ? core::parse_duration(n.Scalar()) : std::nullopt;
    if (!d) {
      fail(n, field, "expected a duration like 500ms, 30s, 5m or 1h, got " + describe(n));
    }
    if (!allow_zero && d->count() == 0) {
      fail(n, field, "expected a duration longer than 0, got " + describe(n));
    }
    return *d;
  }

  bool boolean(const YAML::Node& n, const std::string& field) const {
    const auto s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "true" || s == "yes" || s == "on") {
      return true;
    }
    if (s == "false" || s == "no" || s == "off") {
      return false;
    }
    fail(n, field, "expected true or false, got " + describe(n));
  }

  int line_of(const YAML::Node& n) const {
    if (!n.IsDefined()) {
      return 0;
    }
    const auto mark = n.Mark();
    if (n.IsNull()) {
      if (const auto it = empty_value_lines_.find({mark.line, mark.column});
          it != empty_value_lines_.end()) {
        return it->second;
      }
    }
    return std::max(mark.line + 1, 0);
  }

  /// `step_variables`: the names the step itself gives its templates (a publish step's
  /// {{channel}}).
  std::vector<header_field> headers(const YAML::Node& n, const std::string& field,
                                    field_names step_variables = {}) const {
    expect_map(n, field);
    std::vector<header_field> out;
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const auto header = text(it->first, field);
      const auto sub = join_path(field, header);
      if (!is_header_name(header)) {
        fail(it->first, sub, "invalid header name '" + header + "'");
      }
      if (!seen.insert(core::to_lower(header)).second) {
        fail(it->first, sub, "given twice (header names are case-insensitive)");
      }
      const auto value = text(it->second, sub);
      if (has_line_break(value)) {
        fail(it->second, sub, "a header value cannot contain line breaks");
      }
      auto t = templated(value, it->second, sub, value_escaping::none, step_variables);
      if (has_line_break(t.text())) {  // a run parameter's value written in
        fail(it->second, sub, "a header value cannot contain line breaks (from a run parameter)");
      }
      out.push_back({header, std::move(t)});
    }
    return out;
  }

  /// A template read from `n`, the run's parameters written in. A parameter used but not
  /// given is an error at `n` (the run would otherwise send "{{env.NAME}}" as it is), unless
  /// its value comes later. Its other variables are noted, at `n` and `field`, for the check
  /// that something defines them; `step_variables` are defined by the step itself.
  template_string templated(std::string_view text, const YAML::Node& n, const std::string& field,
                            value_escaping escaping = value_escaping::none,
                            field_names step_variables = {}) const {
    template_string t(text, escaping, params_);
    if (t.has_number_values() && escaping != value_escaping::json) {
      fail(n, field, "{{name|number}} is for json: bodies and messages (it sends 42, not \"42\")");
    }
    for (const auto& name : t.variables()) {
      if (name.substr(0, run_parameters::prefix.size()) == run_parameters::prefix) {
        if (params_.values_come_later()) {
          continue;  // given when the run starts
        }
        const auto key = name.substr(run_parameters::prefix.size());
        fail(n, field,
             fmt::format("{{{{{}}}}} is not given: pass -e {}=VALUE, or set {} in the environment",
                         name, key, key));
      }
      if (!contains(step_variables, name)) {
        variables_.note_use(name, line_of(n), field);
      }
    }
    return t;
  }

 private:
  /// yaml-cpp marks an empty value (`users:` with nothing after it) where the next token
  /// starts, often a line below; errors about it should point at its key instead.
  void index_empty_values(const YAML::Node& n) {
    if ((n.IsMap() || n.IsSequence()) && !indexed_.insert(mark_of(n)).second) {
      return;  // an alias of a container walked already: nested aliases would cost 10^n walks
    }
    if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (it->second.IsNull()) {
          const auto mark = it->second.Mark();
          empty_value_lines_.emplace(std::pair{mark.line, mark.column}, it->first.Mark().line + 1);
        } else {
          index_empty_values(it->second);
        }
      }
    } else if (n.IsSequence()) {
      for (const auto& item : n) {
        index_empty_values(item);
      }
    }
  }

  static std::pair<int, int> mark_of(const YAML::Node& n) {
    const auto mark = n.Mark();
    return {mark.line, mark.column};
  }

  std::string file_;
  const run_parameters& params_;
  error_list& errors_;
  variable_ledger& variables_;
  std::map<std::pair<int, int>, int> empty_value_lines_;  ///< value mark -> line of its key
  std::set<std::pair<int, int>> indexed_;                 ///< containers walked, by position
};

/// Bounds on a `json:` value once its YAML aliases are expanded: a small file of nested
/// aliases (a "billion laughs") would otherwise exhaust memory.
inline constexpr std::size_t max_json_bytes = 1u << 20;
inline constexpr int max_json_depth = 64;

/// A json: value past those bounds; the caller names its line.
struct json_too_large {
  std::string why;
};

/// A YAML value as JSON, keeping the file's key order (people read request bodies in logs).
/// Quoted scalars stay strings; plain ones become numbers, booleans or null when they look so.
/// `bytes` counts what was expanded so far (scalars and keys, plus one per node).
inline nlohmann::ordered_json to_json(const YAML::Node& n, std::size_t& bytes, int depth = 0) {
  if (depth > max_json_depth) {
    throw json_too_large{fmt::format("nests deeper than {} levels", max_json_depth)};
  }
  const auto spend = [&](std::size_t n_bytes) {
    bytes += n_bytes + 1;
    if (bytes > max_json_bytes) {
      throw json_too_large{
          fmt::format("expands to more than {} MiB (YAML aliases repeat what they name)",
                      max_json_bytes >> 20)};
    }
  };
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      auto j = nlohmann::ordered_json::object();
      for (auto it = n.begin(); it != n.end(); ++it) {
        spend(it->first.Scalar().size());
        j[it->first.Scalar()] = to_json(it->second, bytes, depth + 1);
      }
      return j;
    }
    case YAML::NodeType::Sequence: {
      auto j = nlohmann::ordered_json::array();
      for (const auto& item : n) {
        spend(0);
        j.push_back(to_json(item, bytes, depth + 1));
      }
      return j;
    }
    case YAML::NodeType::Scalar: {
      const auto& s = n.Scalar();
      spend(s.size());
      if (n.Tag() == "!" || s.empty()) {  // yaml-cpp tags quoted and block scalars "!"
        return s;
      }
      if (s == "true" || s == "false") {
        return s == "true";
      }
      if (s == "null" || s == "~") {
        return nullptr;
      }
      const auto* first = s.data();
      const auto* last = s.data() + s.size();
      // A whole match that is in range; from_chars moves ptr to the end even when out of range.
      auto whole = [&](auto& out) {
        const auto [ptr, ec] = std::from_chars(first, last, out);
        return ec == std::errc{} && ptr == last;
      };
      if (std::int64_t i = 0; whole(i)) {
        return i;
      }
      if (std::uint64_t u = 0; whole(u)) {
        return u;
      }
      // from_chars also reads "inf" and "nan", which JSON cannot hold: those stay text.
      if (double d = 0; whole(d) && std::isfinite(d)) {
        return d;
      }
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace stampede::scenario::detail

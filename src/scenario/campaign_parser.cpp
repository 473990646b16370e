// SPDX-License-Identifier: Apache-2.0
#include "scenario/campaign_parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "core/duration_text.hpp"
#include "net/url.hpp"
#include "scenario/http_syntax.hpp"
#include "scenario/json_path.hpp"
#include "scenario/regex.hpp"

namespace stampede::scenario {
namespace {

// Limits that turn a typo (an extra zero) or a hostile file into an error instead of a run
// that exhausts memory or the stack.
constexpr int max_loop_depth = 16;
constexpr std::uint64_t max_threads = 1024;
constexpr std::uint64_t max_weight = 1'000'000;
constexpr std::uint64_t max_loop_count = 1'000'000;
constexpr std::size_t max_steps = 100'000;         ///< in all flows, aliases expanded
constexpr std::size_t max_body_bytes = 64u << 20;  ///< all bodies and messages, aliases expanded
constexpr std::uint64_t max_streams_per_connection = 1000;
constexpr std::uint64_t max_h2_window = 0x7fffffff;  ///< RFC 9113 6.9.1
constexpr std::uint32_t min_h2_connection_window = 65535;

using field_names = std::span<const std::string_view>;

constexpr auto step_kinds = std::to_array<std::string_view>(
    {"get", "post", "put", "patch", "delete", "head", "options", "think", "loop", "ws", "send",
     "expect", "hold", "close", "sse", "longpoll", "publish"});
/// Largest publish body: the built-in target's WebSocket limit.
constexpr std::uint64_t max_publish_size = 16u << 20;
constexpr std::uint64_t max_publish_channels = 1'000'000;
constexpr auto request_options = std::to_array<std::string_view>(
    {"url", "name", "headers", "body", "json", "timeout", "checks", "capture"});

bool contains(field_names names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

/// Edit distance where swapping two neighbours counts once ("usres" is 1 from "users").
std::size_t spelling_distance(std::string_view a, std::string_view b) {
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

/// The known name closest to `key`, when it is close enough to be a likely typo: one edit for
/// short names, two for longer ones (so "x" does not suggest "as").
std::optional<std::string_view> closest(std::string_view key, field_names known) {
  if (key.size() > 64) {
    return std::nullopt;  // no field name is that long, and the distance table grows as its square
  }
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
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

std::string join_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

std::string index_path(std::string_view parent, std::size_t i) {
  return fmt::format("{}[{}]", parent, i);
}

source_position position_of(const YAML::Node& n) {
  const auto mark = n.Mark();
  return {mark.line + 1, mark.column + 1};
}

/// Reads YAML nodes into model values; every failure is a campaign_error at the node's line.
///
/// Nodes passed in must exist: look optional fields up with `if (n[key])` first, because
/// yaml-cpp throws InvalidNode from most calls on a missing one.
class node_reader {
 public:
  /// `root` is the document that will be read, for the lines of empty values.
  node_reader(std::string file, const YAML::Node& root) : file_(std::move(file)) {
    index_empty_values(root);
  }

  const std::string& file() const { return file_; }

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

  std::vector<header_field> headers(const YAML::Node& n, const std::string& field) const {
    expect_map(n, field);
    std::vector<header_field> out;
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const auto header = text(it->first, field);
      const auto sub = join_path(field, header);
      if (!is_header_name(header)) {
        fail(it->first, sub, "invalid header name '" + header + "'");
      }
      std::string lower = header;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (!seen.insert(lower).second) {
        fail(it->first, sub, "given twice (header names are case-insensitive)");
      }
      const auto value = text(it->second, sub);
      if (has_line_break(value)) {
        fail(it->second, sub, "a header value cannot contain line breaks");
      }
      out.push_back({header, template_string(value)});
    }
    return out;
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
  std::map<std::pair<int, int>, int> empty_value_lines_;  ///< value mark -> line of its key
  std::set<std::pair<int, int>> indexed_;                 ///< containers walked, by position
};

/// Bounds on a `json:` value once its YAML aliases are expanded: a small file of nested
/// aliases (a "billion laughs") would otherwise exhaust memory.
constexpr std::size_t max_json_bytes = 1u << 20;
constexpr int max_json_depth = 64;

/// A json: value past those bounds; the caller names its line.
struct json_too_large {
  std::string why;
};

/// A YAML value as JSON, keeping the file's key order (people read request bodies in logs).
/// Quoted scalars stay strings; plain ones become numbers, booleans or null when they look so.
/// `bytes` counts what was expanded so far (scalars and keys, plus one per node).
nlohmann::ordered_json to_json(const YAML::Node& n, std::size_t& bytes, int depth = 0) {
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

enum class workload_kind { closed, open, throughput, steps, connections };

std::optional<workload_kind> kind_of_field(std::string_view f) {
  if (f == "users" || f == "ramp" || f == "pace") {
    return workload_kind::closed;
  }
  if (f == "arrival_rate" || f == "ramp_to" || f == "max_users") {
    return workload_kind::open;
  }
  // `connections` alone decides nothing: constant throughput and connections phases share it.
  if (f == "hold" || f == "connect_rate" || f == "ping" || f == "ping_path" || f == "websocket") {
    return workload_kind::connections;
  }
  if (f == "rate") {
    return workload_kind::throughput;
  }
  if (f == "steps" || f == "step_duration") {
    return workload_kind::steps;
  }
  return std::nullopt;
}

/// "a closed phase", "an open phase", for messages.
std::string_view phase_kind_text(workload_kind k) {
  switch (k) {
    case workload_kind::closed:
      return "a closed phase";
    case workload_kind::open:
      return "an open phase";
    case workload_kind::throughput:
      return "a constant throughput phase";
    case workload_kind::steps:
      return "a steps phase";
    case workload_kind::connections:
      return "a connections phase";
  }
  return "";
}

bool has_request(const std::vector<step>& flow) {
  return std::any_of(flow.begin(), flow.end(), [](const step& s) {
    if (std::holds_alternative<request_step>(s) || std::holds_alternative<ws_open_step>(s) ||
        std::holds_alternative<sse_step>(s) || std::holds_alternative<longpoll_step>(s) ||
        std::holds_alternative<publish_step>(s)) {
      return true;
    }
    const auto* loop = std::get_if<loop_step>(&s);
    return loop != nullptr && has_request(loop->flow);
  });
}

class campaign_reader {
 public:
  campaign_reader(const node_reader& r, std::string base_dir, bool load_data)
      : r_(r), base_dir_(std::move(base_dir)), load_data_(load_data) {}

  campaign read(const YAML::Node& root) {
    campaign c;
    r_.expect_map(root, "(file)");
    r_.only_fields(root, "",
                   {"name", "target", "threads", "defaults", "phases", "scenarios", "thresholds",
                    "data", "on_agent_loss"});
    c.name = root["name"] ? r_.name(root["name"], "name")
                          : std::filesystem::path(r_.file()).stem().string();
    c.target = target_of(r_.required(root, "target", "",
                                     "the base URL to load, e.g. target: http://127.0.0.1:8080"));
    if (root["threads"]) {
      c.threads =
          static_cast<std::uint32_t>(r_.positive_int(root["threads"], "threads", max_threads));
    }
    if (root["defaults"]) {
      c.defaults_ = defaults_of(root["defaults"], c.target);
    }
    if (root["on_agent_loss"]) {
      const auto policy = r_.text(root["on_agent_loss"], "on_agent_loss");
      if (policy == "rebalance") {
        c.on_agent_loss = agent_loss_policy::rebalance;
      } else if (policy == "continue") {
        c.on_agent_loss = agent_loss_policy::continue_;
      } else if (policy == "abort") {
        c.on_agent_loss = agent_loss_policy::abort;
      } else {
        r_.fail(root["on_agent_loss"], "on_agent_loss",
                fmt::format("expected rebalance, continue or abort, got '{}'", policy));
      }
    }

    const YAML::Node phases =
        r_.required(root, "phases", "",
                    "a list of load phases, e.g. - {name: steady, duration: 30s, users: 10}");
    r_.expect_list(phases, "phases", true);
    std::set<std::string> phase_names;
    for (std::size_t i = 0; i < phases.size(); ++i) {
      const auto field = index_path("phases", i);
      c.phases.push_back(phase_of(phases[i], field));
      if (!phase_names.insert(c.phases.back().name).second) {
        r_.fail(phases[i]["name"], field + ".name",
                fmt::format("duplicate phase name '{}'", c.phases.back().name));
      }
    }

    // Connections phases run no scenario: a campaign of only those needs none.
    const bool only_connections = std::all_of(
        c.phases.begin(), c.phases.end(),
        [](const struct phase& ph) { return std::holds_alternative<connections_model>(ph.model); });
    const bool h2c = c.target.rfind("h2c://", 0) == 0;
    for (std::size_t i = 0; i < c.phases.size(); ++i) {
      const auto* held = std::get_if<connections_model>(&c.phases[i].model);
      if (held == nullptr) {
        continue;
      }
      const auto field = index_path("phases", i);
      if (c.target.rfind("http://", 0) != 0 && !h2c) {
        r_.fail(phases[i], field,
                fmt::format("a connections phase holds plain TCP connections (HTTP/1.1, or "
                            "HTTP/2 with h2c://): the target must be http:// or h2c://, not '{}'",
                            c.target));
      }
      if (h2c && phases[i]["websocket"]) {
        r_.fail(phases[i]["websocket"], field + ".websocket",
                "held WebSockets are HTTP/1.1 upgrades: the target must be http://");
      }
      if (h2c && phases[i]["ping_path"]) {
        r_.fail(phases[i]["ping_path"], field + ".ping_path",
                "a held HTTP/2 connection is pinged with PING frames; ping_path is for HTTP/1.1");
      }
    }
    const YAML::Node scenarios =
        only_connections && !root["scenarios"]
            ? YAML::Node(YAML::NodeType::Sequence)
            : r_.required(root, "scenarios", "", "a list of scenarios, each with a flow of steps");
    r_.expect_list(scenarios, "scenarios", !only_connections);
    std::set<std::string> scenario_names;
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      const auto field = index_path("scenarios", i);
      c.scenarios.push_back(scenario_of(scenarios[i], field));
      if (!scenario_names.insert(c.scenarios.back().name).second) {
        r_.fail(scenarios[i]["name"], field + ".name",
                fmt::format("duplicate scenario name '{}'", c.scenarios.back().name));
      }
    }

    check_fixed_users(c, phases);

    if (root["thresholds"]) {
      const YAML::Node list = root["thresholds"];
      r_.expect_list(list, "thresholds", false);
      for (std::size_t i = 0; i < list.size(); ++i) {
        const auto field = index_path("thresholds", i);
        const auto text = r_.text(list[i], field);
        try {
          auto t = parse_threshold(text);
          t.position = position_of(list[i]);
          c.thresholds.push_back(std::move(t));
        } catch (const std::invalid_argument& e) {
          r_.fail(list[i], field, e.what());
        }
      }
    }
    if (root["data"]) {
      c.data = data_of(root["data"]);
    }
    return c;
  }

 private:
  /// Users beyond the fixed ones, and open or throughput phases, pick a scenario by weight:
  /// there must then be one to pick.
  void check_fixed_users(const campaign& c, const YAML::Node& phases) const {
    std::uint64_t fixed = 0;
    bool weighted = false;
    for (const auto& sc : c.scenarios) {
      if (sc.fixed_users) {
        fixed += *sc.fixed_users;
      } else {
        weighted = true;
      }
    }
    if (fixed == 0 || weighted) {
      return;
    }
    for (std::size_t i = 0; i < c.phases.size(); ++i) {
      const auto field = index_path("phases", i);
      const auto& model = c.phases[i].model;
      std::uint64_t users = 0;
      if (const auto* closed = std::get_if<closed_model>(&model)) {
        users = closed->users;
      } else if (const auto* steps = std::get_if<steps_model>(&model)) {
        users = *std::max_element(steps->users.begin(), steps->users.end());
      } else {
        r_.fail(phases[i], field,
                fmt::format("every scenario has fixed_users, but {} starts iterations that pick "
                            "a scenario by weight; add a scenario without fixed_users",
                            std::holds_alternative<open_model>(model) ? "an open phase"
                                                                      : "a throughput phase"));
      }
      if (users > fixed) {
        r_.fail(phases[i], field,
                fmt::format("{} users, but the scenarios' fixed_users add up to {} and no "
                            "scenario without fixed_users is left for the others",
                            users, fixed));
      }
    }
  }

  std::string target_of(const YAML::Node& n) {
    const auto text = r_.text(n, "target");
    if (text.find("://") == std::string::npos) {
      r_.fail(n, "target", fmt::format("expected a URL like http://host:port, got '{}'", text));
    }
    if (text.find_first_of(" \t#") != std::string::npos) {
      r_.fail(n, "target", fmt::format("a URL cannot contain spaces or '#', got '{}'", text));
    }
    std::string error;
    const auto u = net::parse_url(text, &error);
    if (!u) {
      r_.fail(n, "target", fmt::format("{}, got '{}'", error, text));
    }
    if (u->path != "/") {
      r_.fail(n, "target",
              fmt::format("must be scheme://host[:port] only; paths go in the steps (got '{}')",
                          u->path));
    }
    return text.back() == '/' ? text.substr(0, text.size() - 1) : text;
  }

  defaults defaults_of(const YAML::Node& n, const std::string& target) {
    defaults d;
    r_.expect_map(n, "defaults");
    r_.only_fields(n, "defaults",
                   {"headers", "connect_timeout", "request_timeout", "insecure", "streams",
                    "window_size", "connection_window_size"});
    const auto url = net::parse_url(target);
    const bool http2 = url && url->http2();
    for (const char* f : {"streams", "window_size", "connection_window_size"}) {
      if (n[f] && !http2) {
        r_.fail(n[f], std::string("defaults.") + f,
                fmt::format("only HTTP/2 targets have it (target: h2c://host:port for prior "
                            "knowledge, h2://host:port over TLS); this target is {}",
                            target));
      }
    }
    if (n["streams"]) {
      d.streams = static_cast<std::uint32_t>(
          r_.positive_int(n["streams"], "defaults.streams", max_streams_per_connection));
    }
    if (n["window_size"]) {
      d.window_size = static_cast<std::uint32_t>(
          r_.positive_int(n["window_size"], "defaults.window_size", max_h2_window));
    }
    if (n["connection_window_size"]) {
      d.connection_window_size = static_cast<std::uint32_t>(r_.positive_int(
          n["connection_window_size"], "defaults.connection_window_size", max_h2_window));
      if (d.connection_window_size < min_h2_connection_window) {
        r_.fail(n["connection_window_size"], "defaults.connection_window_size",
                fmt::format("expected at least {} (HTTP/2's initial connection window), got {}",
                            min_h2_connection_window, d.connection_window_size));
      }
    }
    if (n["headers"]) {
      d.headers = r_.headers(n["headers"], "defaults.headers");
    }
    if (n["connect_timeout"]) {
      d.connect_timeout = r_.length(n["connect_timeout"], "defaults.connect_timeout", false);
    }
    if (n["request_timeout"]) {
      d.request_timeout = r_.length(n["request_timeout"], "defaults.request_timeout", false);
    }
    if (n["insecure"]) {
      d.insecure = r_.boolean(n["insecure"], "defaults.insecure");
    }
    return d;
  }

  struct phase phase_of(const YAML::Node& n, const std::string& field) {
    r_.expect_map(n, field);
    if (n["iterations"]) {
      r_.fail(n["iterations"], field + ".iterations",
              "a phase in a file runs for a time; a total number of iterations is for quick mode "
              "only (stampede run --url URL -n N)");
    }
    r_.only_fields(n, field,
                   {"name", "duration", "users", "ramp", "pace", "arrival_rate", "ramp_to",
                    "max_users", "rate", "connections", "steps", "step_duration", "connect_rate",
                    "hold", "ping", "ping_path", "websocket"});
    struct phase p;
    p.position = position_of(n);
    p.name = r_.name(r_.required(n, "name", field, "every phase needs a name"), field + ".name");

    // The workload kind follows from the fields, in the order written: the first field of a
    // kind decides, and a later field of another kind is the error.
    std::optional<workload_kind> kind;
    std::string deciding_field;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const auto& f = it->first.Scalar();
      const auto k = kind_of_field(f);
      if (!k) {
        continue;
      }
      if (!kind) {
        kind = k;
        deciding_field = f;
      } else if (*k != *kind) {
        r_.fail(it->first, join_path(field, f),
                fmt::format("'{}' belongs to {}, but '{}' makes this {}", f, phase_kind_text(*k),
                            deciding_field, phase_kind_text(*kind)));
      }
    }
    if (!kind && n["connections"]) {
      r_.fail(n["connections"], field + ".connections",
              "give rate (a constant throughput phase) or hold (a connections phase) with it");
    }
    if (!kind) {
      r_.fail(n, field,
              "no workload: give users (closed), arrival_rate (open), rate and connections "
              "(constant throughput), steps and step_duration, or connections and hold");
    }

    if (*kind == workload_kind::connections) {
      return connections_phase(n, field, std::move(p));
    }

    if (*kind == workload_kind::steps) {
      if (n["duration"]) {
        r_.fail(n["duration"], field + ".duration",
                "a steps phase lasts steps x step_duration; give step_duration instead");
      }
      steps_model s;
      const auto list_field = field + ".steps";
      const YAML::Node list =
          r_.required(n, "steps", field, "the user count of each step, e.g. steps: [10, 20, 30]");
      r_.expect_list(list, list_field, true);
      for (std::size_t i = 0; i < list.size(); ++i) {
        s.users.push_back(r_.positive_int(list[i], index_path(list_field, i)));
      }
      const YAML::Node step_duration =
          r_.required(n, "step_duration", field, "how long each step lasts, e.g. 30s");
      s.step_duration = r_.length(step_duration, field + ".step_duration", false);
      const auto count = static_cast<std::int64_t>(s.users.size());
      if (s.step_duration.count() > std::numeric_limits<std::int64_t>::max() / count) {
        r_.fail(step_duration, field + ".step_duration", "the phase would last too long");
      }
      p.length = s.step_duration * count;
      p.model = std::move(s);
      return p;
    }

    p.length = r_.length(r_.required(n, "duration", field, "how long the phase lasts, e.g. 30s"),
                         field + ".duration", false);
    switch (*kind) {
      case workload_kind::closed: {
        closed_model m;
        m.users = r_.positive_int(r_.required(n, "users", field, "how many virtual users run"),
                                  field + ".users");
        if (n["ramp"]) {
          m.ramp = r_.length(n["ramp"], field + ".ramp", true);
          if (*m.ramp > p.length) {
            r_.fail(n["ramp"], field + ".ramp", "must not be longer than the phase's duration");
          }
        }
        if (n["pace"]) {
          m.pace = r_.length(n["pace"], field + ".pace", false);
        }
        p.model = m;
        break;
      }
      case workload_kind::open: {
        open_model m;
        m.arrival_rate =
            r_.number(r_.required(n, "arrival_rate", field, "new iterations per second"),
                      field + ".arrival_rate", false);
        if (n["ramp_to"]) {
          m.ramp_to = r_.number(n["ramp_to"], field + ".ramp_to", true);
        }
        if (n["max_users"]) {
          m.max_users = r_.positive_int(n["max_users"], field + ".max_users");
        }
        p.model = m;
        break;
      }
      case workload_kind::throughput: {
        throughput_model m;
        m.rate =
            r_.number(r_.required(n, "rate", field, "requests per second"), field + ".rate", false);
        m.connections = r_.positive_int(
            r_.required(n, "connections", field, "how many connections carry the rate"),
            field + ".connections");
        p.model = m;
        break;
      }
      case workload_kind::steps:
      case workload_kind::connections:
        break;  // handled above: they have no duration
    }
    return p;
  }

  /// A path sent as it is (no template): starts with '/', no spaces or line breaks.
  std::string plain_path(const YAML::Node& n, const std::string& field) {
    auto path = r_.text(n, field);
    if (path.empty() || path.front() != '/' || path.find_first_of(" \r\n") != std::string::npos) {
      r_.fail(n, field,
              fmt::format("expected a path starting with '/', without spaces, got '{}'", path));
    }
    return path;
  }

  struct phase connections_phase(const YAML::Node& n, const std::string& field, struct phase p) {
    if (n["duration"]) {
      r_.fail(n["duration"], field + ".duration",
              "a connections phase lasts connections / connect_rate + hold; give hold instead");
    }
    connections_model m;
    m.connections = r_.positive_int(
        r_.required(n, "connections", field, "how many connections to open and hold"),
        field + ".connections");
    m.hold = r_.length(r_.required(n, "hold", field,
                                   "how long connections stay open after the last is due, e.g. "
                                   "hold: 60s"),
                       field + ".hold", false);
    if (n["connect_rate"]) {
      m.connect_rate = r_.number(n["connect_rate"], field + ".connect_rate", false);
    }
    if (n["ping"]) {
      m.ping = r_.length(n["ping"], field + ".ping", false);
    }
    if (n["ping_path"]) {
      if (!n["ping"]) {
        r_.fail(n["ping_path"], field + ".ping_path", "give ping (how often) with it");
      }
      m.ping_path = plain_path(n["ping_path"], field + ".ping_path");
    }
    if (n["websocket"]) {
      if (n["ping_path"]) {
        r_.fail(n["ping_path"], field + ".ping_path",
                "a held WebSocket is pinged with ping frames; ping_path is for HTTP pings");
      }
      m.websocket = plain_path(n["websocket"], field + ".websocket");
    }
    p.length = m.hold;
    if (m.connect_rate) {
      const double seconds = static_cast<double>(m.connections) / *m.connect_rate;
      if (seconds > 1e9) {
        r_.fail(n["connect_rate"], field + ".connect_rate", "the phase would last too long");
      }
      p.length += std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
    }
    p.model = m;
    return p;
  }

  scenario scenario_of(const YAML::Node& n, const std::string& field) {
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"name", "weight", "fixed_users", "flow"});
    scenario s;
    s.name = r_.name(r_.required(n, "name", field, "every scenario needs a name"), field + ".name");
    if (n["fixed_users"]) {
      if (n["weight"]) {
        r_.fail(n["weight"], field + ".weight",
                "give either weight or fixed_users: a scenario with fixed users is not picked by "
                "weight");
      }
      s.fixed_users = r_.positive_int(n["fixed_users"], field + ".fixed_users");
    }
    if (n["weight"]) {
      s.weight =
          static_cast<std::uint32_t>(r_.positive_int(n["weight"], field + ".weight", max_weight));
    }
    const YAML::Node flow_node =
        r_.required(n, "flow", field, "the steps each iteration runs, e.g. flow: [get: /]");
    s.flow = flow(flow_node, field + ".flow", 0);
    // An iteration without a request would spin as fast as the CPU allows and measure nothing.
    if (!has_request(s.flow)) {
      r_.fail(flow_node, field + ".flow", "has no request step; add one, e.g. - get: /");
    }
    return s;
  }

  std::vector<step> flow(const YAML::Node& n, const std::string& field, int depth) {
    r_.expect_list(n, field, true);
    std::vector<step> out;
    out.reserve(n.size());
    for (std::size_t i = 0; i < n.size(); ++i) {
      out.push_back(step_of(n[i], index_path(field, i), depth));
    }
    return out;
  }

  step step_of(const YAML::Node& n, const std::string& field, int depth) {
    if (++steps_read_ > max_steps) {
      // Aliases of loops within loops repeat whole flows: a few lines could stand for 10^16.
      r_.fail(n, field,
              fmt::format("the campaign has more than {} steps once YAML aliases are expanded",
                          max_steps));
    }
    if (n.IsScalar() && n.Scalar() == "close") {
      return ws_close_step{};  // `- close` reads better than `- close: {}`
    }
    r_.expect_map(n, field);
    for (auto it = n.begin(); it != n.end(); ++it) {
      // The most common slip: options written beside the method instead of under it.
      const auto& key = it->first.IsScalar() ? it->first.Scalar() : std::string();
      if (contains(request_options, key)) {
        r_.fail(it->first, join_path(field, key),
                fmt::format("'{}' is a request option: put it under the method, e.g. "
                            "- get: {{url: /items, {}: ...}}",
                            key, key));
      }
    }
    r_.only_fields(n, field, step_kinds);
    if (n.size() != 1) {
      r_.fail(n, field,
              "a step is exactly one of get, post, put, patch, delete, head, options, think, "
              "loop, ws, send, expect, hold, close, sse, longpoll or publish");
    }
    const std::string key = n.begin()->first.Scalar();
    const YAML::Node value = n.begin()->second;
    const auto sub = join_path(field, key);
    if (key == "think") {
      return think_of(value, sub);
    }
    if (key == "loop") {
      return loop_of(value, sub, depth);
    }
    if (key == "ws") {
      return ws_open_of(value, sub);
    }
    if (key == "sse") {
      return sse_of(value, sub);
    }
    if (key == "longpoll") {
      return longpoll_of(value, sub);
    }
    if (key == "publish") {
      return publish_of(value, sub);
    }
    if (key == "send") {
      return ws_send_of(value, sub);
    }
    if (key == "expect") {
      return ws_expect_of(value, sub);
    }
    if (key == "hold") {
      return ws_hold_step{r_.length(value, sub, false)};
    }
    if (key == "close") {
      if (!value.IsNull() && !(value.IsMap() && value.size() == 0)) {
        r_.fail(value, sub, "close takes no options: write - close");
      }
      return ws_close_step{};
    }
    return request_of(key, value, sub);
  }

  ws_open_step ws_open_of(const YAML::Node& n, const std::string& field) {
    ws_open_step w;
    w.position = position_of(n);
    if (!n.IsScalar() && !n.IsMap()) {
      r_.fail(n, field,
              "expected a path like /ws/echo, or {url: /ws/echo, name: ..., headers: ...}, got " +
                  node_reader::describe(n));
    }
    const YAML::Node url_node =
        n.IsScalar() ? n : r_.required(n, "url", field, "the path to open, e.g. url: /ws/echo");
    const auto url_field = n.IsScalar() ? field : field + ".url";
    if (n.IsMap()) {
      r_.only_fields(n, field, {"url", "name", "headers"});
      if (n["name"]) {
        w.name = r_.name(n["name"], field + ".name");
      }
      if (n["headers"]) {
        w.headers = r_.headers(n["headers"], field + ".headers");
      }
    }
    const auto url = path_of(url_node, url_field);
    w.path = template_string(url, value_escaping::url);
    if (w.name.empty()) {
      w.name = "WS " + url.substr(0, url.find('?'));
    }
    return w;
  }

  /// The path (short form, or `url:`) of a subscription step; checks the fields of the long form.
  std::string subscription_path(const YAML::Node& n, const std::string& field, field_names fields) {
    if (!n.IsScalar() && !n.IsMap()) {
      r_.fail(n, field,
              "expected a path like /sse?channel=news, or a mapping with url: and options, got " +
                  node_reader::describe(n));
    }
    const YAML::Node url_node =
        n.IsScalar() ? n : r_.required(n, "url", field, "the path to subscribe to");
    const auto url_field = n.IsScalar() ? field : field + ".url";
    if (n.IsMap()) {
      r_.only_fields(n, field, fields);
    }
    return path_of(url_node, url_field);
  }

  /// A step's url: a path starting with '/' and, as written, without spaces or line breaks
  /// (rendered values are percent-encoded; only |raw ones are checked again when sent).
  std::string path_of(const YAML::Node& url_node, const std::string& url_field) {
    auto url = r_.text(url_node, url_field);
    if (url.empty() || url.front() != '/') {
      r_.fail(url_node, url_field, fmt::format("expected a path starting with '/', got '{}'", url));
    }
    if (url.find_first_of(" \t\r\n") != std::string::npos) {
      r_.fail(url_node, url_field, "a path cannot contain spaces or line breaks (write %20)");
    }
    return url;
  }

  sse_step sse_of(const YAML::Node& n, const std::string& field) {
    constexpr auto fields = std::to_array<std::string_view>(
        {"url", "name", "headers", "events", "duration", "timeout"});
    sse_step s;
    s.position = position_of(n);
    const auto url = subscription_path(n, field, fields);
    s.path = template_string(url, value_escaping::url);
    s.name = "SSE " + url.substr(0, url.find('?'));
    if (n.IsMap()) {
      if (n["name"]) {
        s.name = r_.name(n["name"], field + ".name");
      }
      if (n["headers"]) {
        s.headers = r_.headers(n["headers"], field + ".headers");
      }
      if (n["events"]) {
        s.events = r_.positive_int(n["events"], field + ".events");
      }
      if (n["duration"]) {
        s.duration_ = r_.length(n["duration"], field + ".duration", false);
      }
      if (n["timeout"]) {
        s.timeout = r_.length(n["timeout"], field + ".timeout", false);
      }
    }
    return s;
  }

  longpoll_step longpoll_of(const YAML::Node& n, const std::string& field) {
    constexpr auto fields =
        std::to_array<std::string_view>({"url", "name", "headers", "polls", "duration", "timeout"});
    longpoll_step l;
    l.request.method = "GET";
    l.request.position = position_of(n);
    const auto url = subscription_path(n, field, fields);
    l.request.path = template_string(url, value_escaping::url);
    l.request.name = "LONGPOLL " + url.substr(0, url.find('?'));
    if (n.IsMap()) {
      if (n["name"]) {
        l.request.name = r_.name(n["name"], field + ".name");
      }
      if (n["headers"]) {
        l.request.headers = r_.headers(n["headers"], field + ".headers");
      }
      if (n["polls"]) {
        l.polls = r_.positive_int(n["polls"], field + ".polls");
      }
      if (n["duration"]) {
        l.duration_ = r_.length(n["duration"], field + ".duration", false);
      }
      if (n["timeout"]) {
        l.request.timeout = r_.length(n["timeout"], field + ".timeout", false);
      }
    }
    return l;
  }

  publish_step publish_of(const YAML::Node& n, const std::string& field) {
    constexpr auto fields = std::to_array<std::string_view>(
        {"url", "name", "headers", "rate", "channels", "count", "duration", "size", "timeout"});
    if (!n.IsMap()) {
      r_.fail(n, field,
              "expected a mapping, e.g. {url: \"/publish?channel=c{{channel}}\", rate: 100, "
              "channels: 10}, got " +
                  node_reader::describe(n));
    }
    publish_step p;
    p.request.method = "POST";
    p.request.position = position_of(n);
    const auto url = subscription_path(n, field, fields);
    p.request.path = template_string(url, value_escaping::url);
    p.request.name = "PUBLISH " + url.substr(0, url.find('?'));
    p.rate = r_.number(r_.required(n, "rate", field, "messages per second, e.g. rate: 100"),
                       field + ".rate", false);
    if (n["name"]) {
      p.request.name = r_.name(n["name"], field + ".name");
    }
    if (n["headers"]) {
      p.request.headers = r_.headers(n["headers"], field + ".headers");
    }
    if (n["channels"]) {
      p.channels = static_cast<std::uint32_t>(
          r_.positive_int(n["channels"], field + ".channels", max_publish_channels));
      if (p.channels > 1 && url.find("{{") == std::string::npos) {
        r_.fail(n["channels"], field + ".channels",
                "the url has no {{channel}}, so every message would go to the same channel");
      }
    }
    if (n["count"]) {
      p.count = r_.positive_int(n["count"], field + ".count");
    }
    if (n["duration"]) {
      p.duration_ = r_.length(n["duration"], field + ".duration", false);
    }
    if (n["size"]) {
      p.size = r_.positive_int(n["size"], field + ".size", max_publish_size);
    }
    if (n["timeout"]) {
      p.request.timeout = r_.length(n["timeout"], field + ".timeout", false);
    }
    return p;
  }

  /// A json: value as JSON text, or an error at its line when it expands past the bounds.
  std::string json_text(const YAML::Node& n, const std::string& field) {
    std::size_t bytes = 0;
    try {
      return charged(to_json(n, bytes).dump(), n, field);
    } catch (const json_too_large& e) {
      r_.fail(n, field, e.why);
    }
  }

  /// `text`, a body or message copied into a step, counted against the campaign's budget:
  /// aliases repeat bodies as well as steps, and each bound alone would let 100,000 aliased
  /// steps carry a megabyte each.
  std::string charged(std::string text, const YAML::Node& n, const std::string& field) {
    body_bytes_ += text.size();
    if (body_bytes_ > max_body_bytes) {
      r_.fail(n, field,
              fmt::format("the campaign's bodies and messages add up to more than {} MiB once "
                          "YAML aliases are expanded",
                          max_body_bytes >> 20));
    }
    return text;
  }

  ws_send_step ws_send_of(const YAML::Node& n, const std::string& field) {
    ws_send_step s;
    if (n.IsScalar()) {
      s.message = template_string(charged(n.Scalar(), n, field));
      return s;
    }
    if (!n.IsMap()) {
      r_.fail(n, field,
              "expected the message text, {text: ...}, {binary: ...} or {json: ...}, got " +
                  node_reader::describe(n));
    }
    r_.only_fields(n, field, {"text", "binary", "json"});
    const int kinds = (n["text"] ? 1 : 0) + (n["binary"] ? 1 : 0) + (n["json"] ? 1 : 0);
    if (kinds != 1) {
      r_.fail(n, field, "a send is exactly one of text, binary or json");
    }
    if (n["json"]) {
      s.message = template_string(json_text(n["json"], field + ".json"));
    } else {
      const std::string key = n["text"] ? "text" : "binary";
      s.message =
          template_string(charged(r_.text(n[key], field + "." + key), n[key], field + "." + key));
      s.binary = key == "binary";
    }
    return s;
  }

  ws_expect_step ws_expect_of(const YAML::Node& n, const std::string& field) {
    ws_expect_step e;
    if (n.IsScalar()) {
      e.what = ws_expect_step::kind::text;
      e.pattern = r_.name(n, field);
      e.description = "text '" + e.pattern + "'";
      return e;
    }
    if (!n.IsMap()) {
      r_.fail(n, field,
              "expected text to wait for, or {text|regex|json: ..., equals: ..., timeout: ...}, "
              "got " +
                  node_reader::describe(n));
    }
    r_.only_fields(n, field, {"text", "regex", "json", "equals", "timeout", "any"});
    const int kinds =
        (n["text"] ? 1 : 0) + (n["regex"] ? 1 : 0) + (n["json"] ? 1 : 0) + (n["any"] ? 1 : 0);
    if (kinds != 1) {
      r_.fail(n, field, "an expect is exactly one of text, regex, json or any: true");
    }
    if (n["timeout"]) {
      e.timeout = r_.length(n["timeout"], field + ".timeout", false);
    }
    if (n["equals"] && !n["json"]) {
      r_.fail(n["equals"], field + ".equals", "equals goes with json: (a JSON path)");
    }
    if (n["any"]) {
      if (!r_.boolean(n["any"], field + ".any")) {
        r_.fail(n["any"], field + ".any", "write any: true to take the next message");
      }
      e.description = "any message";
    } else if (n["text"]) {
      e.what = ws_expect_step::kind::text;
      e.pattern = r_.name(n["text"], field + ".text");
      e.description = "text '" + e.pattern + "'";
    } else if (n["regex"]) {
      e.what = ws_expect_step::kind::regex;
      e.pattern = regex_of(n["regex"], field + ".regex");
      e.description = "regex '" + e.pattern + "'";
    } else {
      e.what = ws_expect_step::kind::json_path;
      e.pattern = json_path_of(n["json"], field + ".json");
      if (n["equals"]) {
        e.equals = template_string(r_.text(n["equals"], field + ".equals"));
        e.description = "json " + e.pattern + " == " + e.equals->text();
      } else {
        e.description = "json " + e.pattern + " exists";
      }
    }
    return e;
  }

  loop_step loop_of(const YAML::Node& n, const std::string& field, int depth) {
    if (depth >= max_loop_depth) {
      r_.fail(n, field, fmt::format("loops nest deeper than {}", max_loop_depth));
    }
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"count", "flow"});
    loop_step l;
    l.count = static_cast<std::uint32_t>(
        r_.positive_int(r_.required(n, "count", field, "how many times to repeat the flow"),
                        field + ".count", max_loop_count));
    l.flow = flow(r_.required(n, "flow", field, "the steps to repeat"), field + ".flow", depth + 1);
    return l;
  }

  think_step think_of(const YAML::Node& n, const std::string& field) {
    if (n.IsScalar()) {
      const auto d = r_.length(n, field, true);
      return {d, d};
    }
    if (!n.IsMap()) {
      r_.fail(
          n, field,
          "expected a duration like 1s, or {min: 1s, max: 3s}, got " + node_reader::describe(n));
    }
    r_.only_fields(n, field, {"min", "max"});
    const auto min_node = r_.required(n, "min", field, "a random think needs min and max");
    const auto max_node = r_.required(n, "max", field, "a random think needs min and max");
    think_step t{r_.length(min_node, field + ".min", true),
                 r_.length(max_node, field + ".max", true)};
    if (t.min > t.max) {
      r_.fail(min_node, field + ".min", "must not be longer than max");
    }
    return t;
  }

  request_step request_of(const std::string& method, const YAML::Node& n,
                          const std::string& field) {
    request_step r;
    r.method = method;
    std::transform(r.method.begin(), r.method.end(), r.method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    r.position = position_of(n);
    if (!n.IsScalar() && !n.IsMap()) {
      r_.fail(n, field,
              "expected a path like /items, or a mapping with url: and options, got " +
                  node_reader::describe(n));
    }
    const YAML::Node url_node =
        n.IsScalar() ? n : r_.required(n, "url", field, "the path to request, e.g. url: /items");
    const auto url_field = n.IsScalar() ? field : field + ".url";
    if (n.IsMap()) {
      r_.only_fields(n, field, request_options);
      if (n["name"]) {
        r.name = r_.name(n["name"], field + ".name");
      }
      if (n["headers"]) {
        r.headers = r_.headers(n["headers"], field + ".headers");
      }
      if (n["body"] && n["json"]) {
        r_.fail(n["json"], field + ".json", "give either body or json, not both");
      }
      if (n["body"]) {
        if (!n["body"].IsScalar()) {
          r_.fail(n["body"], field + ".body",
                  "expected text, got " + node_reader::describe(n["body"]) +
                      " (for a structured body use json:)");
        }
        r.body = template_string(charged(n["body"].Scalar(), n["body"], field + ".body"));
      }
      if (n["json"]) {
        r.body = template_string(json_text(n["json"], field + ".json"));
        r.body_is_json = true;
      }
      if (n["timeout"]) {
        r.timeout = r_.length(n["timeout"], field + ".timeout", false);
      }
      if (n["checks"]) {
        const YAML::Node list = n["checks"];
        r_.expect_list(list, field + ".checks", false);
        for (std::size_t i = 0; i < list.size(); ++i) {
          r.checks.push_back(check_of(list[i], index_path(field + ".checks", i)));
        }
      }
      if (n["capture"]) {
        const YAML::Node list = n["capture"];
        r_.expect_list(list, field + ".capture", false);
        for (std::size_t i = 0; i < list.size(); ++i) {
          r.captures.push_back(capture_of(list[i], index_path(field + ".capture", i)));
        }
      }
    }
    const auto url = path_of(url_node, url_field);
    r.path = template_string(url, value_escaping::url);
    if (r.name.empty()) {
      r.name = r.method + " " + url.substr(0, url.find('?'));
    }
    return r;
  }

  check check_of(const YAML::Node& n, const std::string& field) {
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"status", "header", "body_contains", "json", "equals"});
    const int kinds = (n["status"] ? 1 : 0) + (n["header"] ? 1 : 0) + (n["body_contains"] ? 1 : 0) +
                      (n["json"] ? 1 : 0);
    if (kinds != 1) {
      r_.fail(n, field, "a check is exactly one of status, header, body_contains or json");
    }
    check c;
    if (n["status"]) {
      if (n["equals"]) {
        r_.fail(n["equals"], field + ".equals",
                "a status check takes the code itself: status: 200");
      }
      const auto code = r_.positive_int(n["status"], field + ".status");
      if (code < 100 || code > 599) {
        r_.fail(n["status"], field + ".status",
                fmt::format("expected an HTTP status code (100 to 599), got {}", code));
      }
      c.what = check::kind::status;
      c.expected = template_string(std::to_string(code));
      c.description = "status == " + std::to_string(code);
    } else if (n["header"]) {
      c.what = check::kind::header;
      c.subject = r_.text(n["header"], field + ".header");
      if (!is_header_name(c.subject)) {
        r_.fail(n["header"], field + ".header", "invalid header name '" + c.subject + "'");
      }
      if (n["equals"]) {
        c.expected = template_string(r_.text(n["equals"], field + ".equals"));
        c.description = "header " + c.subject + " == " + c.expected->text();
      } else {
        c.description = "header " + c.subject + " exists";
      }
    } else if (n["body_contains"]) {
      if (n["equals"]) {
        r_.fail(n["equals"], field + ".equals", "body_contains takes the text itself");
      }
      c.what = check::kind::body_contains;
      c.expected = template_string(r_.name(n["body_contains"], field + ".body_contains"));
      c.description = "body contains '" + c.expected->text() + "'";
    } else {
      c.what = check::kind::json_path;
      c.subject = json_path_of(n["json"], field + ".json");
      if (n["equals"]) {
        c.expected = template_string(r_.text(n["equals"], field + ".equals"));
        c.description = "json " + c.subject + " == " + c.expected->text();
      } else {
        c.description = "json " + c.subject + " exists";
      }
    }
    return c;
  }

  capture capture_of(const YAML::Node& n, const std::string& field) {
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"json", "header", "regex", "as"});
    const int kinds = (n["json"] ? 1 : 0) + (n["header"] ? 1 : 0) + (n["regex"] ? 1 : 0);
    if (kinds != 1) {
      r_.fail(n, field, "a capture is exactly one of json, header or regex, with as: NAME");
    }
    capture c;
    const YAML::Node as = r_.required(n, "as", field, "the variable to capture into");
    c.variable = r_.name(as, field + ".as");
    if (c.variable.find_first_of(" \t{}") != std::string::npos) {
      r_.fail(as, field + ".as",
              "invalid variable name '" + c.variable + "' (no spaces or braces: as: token)");
    }
    if (n["json"]) {
      c.from = capture::kind::json_path;
      c.expression = json_path_of(n["json"], field + ".json");
    } else if (n["header"]) {
      c.from = capture::kind::header;
      c.expression = r_.text(n["header"], field + ".header");
      if (!is_header_name(c.expression)) {
        r_.fail(n["header"], field + ".header", "invalid header name '" + c.expression + "'");
      }
    } else {
      c.from = capture::kind::regex;
      c.expression = regex_of(n["regex"], field + ".regex");
    }
    return c;
  }

  std::string regex_of(const YAML::Node& n, const std::string& field) {
    auto text = r_.name(n, field);
    if (const auto why = regex::error_of(text)) {
      r_.fail(n, field, "invalid regular expression (RE2): " + *why);
    }
    return text;
  }

  std::string json_path_of(const YAML::Node& n, const std::string& field) {
    auto path = r_.text(n, field);
    if (!valid_json_path(path)) {
      r_.fail(
          n, field,
          fmt::format("invalid JSON path '{}' (expected e.g. $.items[0].id or $['a key'])", path));
    }
    return path;
  }

  data_feeder data_of(const YAML::Node& n) {
    r_.expect_map(n, "data");
    r_.only_fields(n, "data", {"file", "order"});
    const YAML::Node file_node = r_.required(n, "file", "data", "the CSV file to read");
    const auto name = r_.name(file_node, "data.file");
    bool random_order = false;
    if (n["order"]) {
      const auto order = r_.text(n["order"], "data.order");
      if (order != "sequential" && order != "random") {
        r_.fail(n["order"], "data.order",
                fmt::format("expected sequential or random, got '{}'", order));
      }
      random_order = order == "random";
    }
    if (!load_data_) {
      data_feeder unread;
      unread.file = name;
      unread.random_order = random_order;
      unread.position = position_of(file_node);
      return unread;
    }
    const auto path = (std::filesystem::path(base_dir_) / name).lexically_normal().string();
    std::error_code ec;
    std::ifstream in(path, std::ios::binary);
    if (!in || std::filesystem::is_directory(path, ec)) {
      r_.fail(file_node, "data.file", fmt::format("cannot read '{}'", path));
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto feeder = parse_csv(text.str(), path);
    feeder.random_order = random_order;
    feeder.position = position_of(file_node);
    return feeder;
  }

  const node_reader& r_;
  std::string base_dir_;
  bool load_data_;
  std::size_t steps_read_ = 0;
  std::size_t body_bytes_ = 0;  ///< bodies and messages copied into steps so far
};

int line_of(const YAML::Mark& mark) {
  return mark.line < 0 ? 0 : mark.line + 1;
}

}  // namespace

campaign parse_campaign(std::string_view yaml_text, const std::string& file_name,
                        const std::string& base_dir, bool load_data) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    // yaml-cpp stops at a plain `?` inside {...} (a path with a query, most often) with just
    // "unknown token"; say what usually fixes it.
    const bool flow_hint = e.msg == "unknown token";
    throw campaign_error(file_name, line_of(e.mark), "(syntax)",
                         flow_hint ? e.msg +
                                         " (inside {...}, quote a value holding '?', e.g. "
                                         "{url: \"/sse?channel=news\"})"
                                   : e.msg);
  }
  if (documents.empty() || documents[0].IsNull()) {
    throw campaign_error(file_name, 1, "(file)", "the campaign is empty");
  }
  if (documents.size() > 1 && !documents[1].IsNull()) {
    throw campaign_error(file_name, line_of(documents[1].Mark()), "(file)",
                         "a campaign file holds one YAML document; a second one starts here");
  }
  const node_reader r(file_name, documents[0]);
  campaign_reader reader(r, base_dir, load_data);
  campaign c;
  try {
    c = reader.read(documents[0]);
  } catch (const YAML::Exception& e) {
    // Every lookup above checks before it reads, so this is a bug here; still, the user gets a
    // line to look at rather than an unexplained crash.
    throw campaign_error(file_name, line_of(e.mark), "(file)", e.msg);
  }
  c.source_text = std::string(yaml_text);
  c.source_file = file_name;
  return c;
}

campaign load_campaign_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw campaign_error(path, 0, "(file)", "is a directory, not a campaign file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw campaign_error(path, 0, "(file)", "cannot read the file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  const auto dir = std::filesystem::path(path).parent_path().string();
  return parse_campaign(text.str(), path, dir.empty() ? "." : dir);
}

campaign parse_campaign_with_data(std::string_view yaml_text, const std::string& file_name,
                                  const std::string& data_text) {
  auto c = parse_campaign(yaml_text, file_name, ".", false);
  if (!c.data) {
    return c;
  }
  if (data_text.empty()) {
    throw campaign_error(file_name, c.data->position.line, "data.file",
                         fmt::format("the CSV file {} did not come with the campaign; add the "
                                     "campaign again from where the file is",
                                     c.data->file));
  }
  auto feeder = parse_csv(data_text, c.data->file);
  feeder.random_order = c.data->random_order;
  feeder.position = c.data->position;
  c.data = std::move(feeder);
  return c;
}

}  // namespace stampede::scenario

// SPDX-License-Identifier: Apache-2.0
#include "scenario/campaign_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "core/duration_text.hpp"
#include "net/url.hpp"
#include "scenario/json_path.hpp"

namespace stampede::scenario {
namespace {

constexpr int max_loop_depth = 16;

const std::vector<std::string> request_methods = {"get",    "post", "put",    "patch",
                                                  "delete", "head", "options"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, std::size_t i) {
  return fmt::format("{}[{}]", parent, i);
}

/// Reads YAML nodes into model values; every failure is a campaign_error at the node's line.
class reader {
 public:
  explicit reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field,
                         const std::string& message) const {
    const int line = at.IsDefined() ? at.Mark().line + 1 : 0;
    throw campaign_error(file_, line, field, message);
  }

  [[noreturn]] void fail_at_line(int line, const std::string& field,
                                 const std::string& message) const {
    throw campaign_error(file_, line, field, message);
  }

  static std::string describe(const YAML::Node& n) {
    if (n.IsScalar()) {
      return "'" + n.Scalar() + "'";
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

  /// Every key of `map` must be in `allowed`; the first one that is not is an error, with a
  /// suggestion when a known field is spelled close to it.
  void only_fields(const YAML::Node& map, const std::string& field,
                   const std::vector<std::string>& allowed) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const auto key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
        continue;
      }
      std::string message = "unknown field '" + key + "'";
      std::string best;
      std::size_t best_distance = 3;
      for (const auto& a : allowed) {
        const auto d = edit_distance(key, a);
        if (d < best_distance) {
          best_distance = d;
          best = a;
        }
      }
      if (!best.empty()) {
        message += "; did you mean '" + best + "'?";
      }
      fail(it->first, join_path(field, key), message);
    }
  }

  std::string text(const YAML::Node& n, const std::string& field) const {
    if (!n.IsScalar()) {
      fail(n, field, "expected text, got " + describe(n));
    }
    return n.Scalar();
  }

  std::uint64_t positive_int(const YAML::Node& n, const std::string& field) const {
    const auto s = n.IsScalar() ? n.Scalar() : std::string();
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || s.empty() || ec != std::errc{} || end != s.data() + s.size() || v == 0) {
      fail(n, field, "expected a positive integer, got " + describe(n));
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
           std::string(allow_zero ? "expected a number >= 0" : "expected a number > 0") + ", got " +
               describe(n));
    }
    return v;
  }

  duration length(const YAML::Node& n, const std::string& field, bool allow_zero) const {
    const auto d = n.IsScalar() ? core::parse_duration(n.Scalar()) : std::nullopt;
    if (!d || (!allow_zero && d->count() == 0)) {
      fail(n, field, "expected a duration like 500ms, 30s, 5m or 1h, got " + describe(n));
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

  std::vector<header_field> headers(const YAML::Node& n, const std::string& field) const {
    expect_map(n, field);
    std::vector<header_field> out;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const auto name = it->first.Scalar();
      const auto sub = join_path(field, name);
      if (name.empty() || name.find_first_of(" \t:\r\n") != std::string::npos) {
        fail(it->first, sub, "invalid header name '" + name + "'");
      }
      const auto value = text(it->second, sub);
      if (value.find_first_of("\r\n") != std::string::npos) {
        fail(it->second, sub, "header values cannot contain line breaks");
      }
      out.push_back({name, template_string(value)});
    }
    return out;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

nlohmann::json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      auto j = nlohmann::json::object();
      for (auto it = n.begin(); it != n.end(); ++it) {
        j[it->first.Scalar()] = to_json(it->second);
      }
      return j;
    }
    case YAML::NodeType::Sequence: {
      auto j = nlohmann::json::array();
      for (const auto& item : n) {
        j.push_back(to_json(item));
      }
      return j;
    }
    case YAML::NodeType::Scalar: {
      const auto& s = n.Scalar();
      if (n.Tag() == "!") {  // quoted in the file: keep it a string
        return s;
      }
      if (s == "true" || s == "false") {
        return s == "true";
      }
      if (s == "null" || s == "~") {
        return nullptr;
      }
      std::int64_t i = 0;
      if (auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
          ec == std::errc{} && end == s.data() + s.size() && !s.empty()) {
        return i;
      }
      double d = 0;
      if (auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
          ec == std::errc{} && end == s.data() + s.size() && !s.empty()) {
        return d;
      }
      return s;
    }
    default:
      return nullptr;
  }
}

class campaign_reader {
 public:
  campaign_reader(const reader& r, std::string base_dir, bool load_data)
      : r_(r), base_dir_(std::move(base_dir)), load_data_(load_data) {}

  campaign read(const YAML::Node& root) {
    campaign c;
    if (!root.IsDefined() || root.IsNull()) {
      r_.fail_at_line(1, "(file)", "the campaign is empty");
    }
    r_.expect_map(root, "(file)");
    r_.only_fields(
        root, "",
        {"name", "target", "threads", "defaults", "phases", "scenarios", "thresholds", "data"});
    c.name = root["name"] ? r_.text(root["name"], "name")
                          : std::filesystem::path(r_.file()).stem().string();
    if (!root["target"]) {
      r_.fail(root, "target", "missing: the base URL to load, e.g. target: http://127.0.0.1:8080");
    }
    c.target = target(root["target"]);
    if (root["threads"]) {
      c.threads = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(r_.positive_int(root["threads"], "threads"), 1024));
    }
    if (root["defaults"]) {
      c.defaults_ = defaults_of(root["defaults"]);
    }
    if (!root["phases"]) {
      r_.fail(root, "phases",
              "missing: a list of load phases, e.g. - {name: steady, duration: 30s, users: 10}");
    }
    const YAML::Node phases = root["phases"];
    r_.expect_list(phases, "phases", true);
    std::set<std::string> phase_names;
    for (std::size_t i = 0; i < phases.size(); ++i) {
      c.phases.push_back(phase_of(phases[i], index_path("phases", i)));
      if (!phase_names.insert(c.phases.back().name).second) {
        r_.fail(phases[i]["name"], index_path("phases", i) + ".name",
                "duplicate phase name '" + c.phases.back().name + "'");
      }
    }
    if (!root["scenarios"]) {
      r_.fail(root, "scenarios", "missing: a list of scenarios, each with a flow of steps");
    }
    const YAML::Node scenarios = root["scenarios"];
    r_.expect_list(scenarios, "scenarios", true);
    std::set<std::string> scenario_names;
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      c.scenarios.push_back(scenario_of(scenarios[i], index_path("scenarios", i)));
      if (!scenario_names.insert(c.scenarios.back().name).second) {
        r_.fail(scenarios[i]["name"], index_path("scenarios", i) + ".name",
                "duplicate scenario name '" + c.scenarios.back().name + "'");
      }
    }
    if (root["thresholds"]) {
      const YAML::Node ths = root["thresholds"];
      r_.expect_list(ths, "thresholds", false);
      for (std::size_t i = 0; i < ths.size(); ++i) {
        const auto field = index_path("thresholds", i);
        try {
          auto t = parse_threshold(r_.text(ths[i], field));
          t.position.line = ths[i].Mark().line + 1;
          c.thresholds.push_back(std::move(t));
        } catch (const std::invalid_argument& e) {
          r_.fail(ths[i], field, e.what());
        }
      }
    }
    if (root["data"]) {
      c.data = data_of(root["data"]);
    }
    return c;
  }

 private:
  std::string target(const YAML::Node& n) {
    const auto text = r_.text(n, "target");
    std::string error;
    const auto u = net::parse_url(text, &error);
    if (!u) {
      r_.fail(n, "target", error + ", got '" + text + "'");
    }
    if (u->path != "/") {
      r_.fail(
          n, "target",
          "must be scheme://host:port only; put paths in the steps (got path '" + u->path + "')");
    }
    return text.back() == '/' ? text.substr(0, text.size() - 1) : text;
  }

  defaults defaults_of(const YAML::Node& n) {
    defaults d;
    r_.expect_map(n, "defaults");
    r_.only_fields(n, "defaults", {"headers", "connect_timeout", "request_timeout", "insecure"});
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
    r_.only_fields(n, field,
                   {"name", "duration", "users", "ramp", "pace", "arrival_rate", "ramp_to",
                    "max_users", "rate", "connections", "steps", "step_duration"});
    struct phase p;
    p.position.line = n.Mark().line + 1;
    if (!n["name"]) {
      r_.fail(n, field + ".name", "missing: every phase needs a name");
    }
    p.name = r_.text(n["name"], field + ".name");

    // The workload kind follows from the fields; fields of two kinds are an error.
    const std::vector<std::pair<const char*, std::vector<const char*>>> kinds = {
        {"closed", {"users", "ramp", "pace"}},
        {"open", {"arrival_rate", "ramp_to", "max_users"}},
        {"constant throughput", {"rate", "connections"}},
        {"steps", {"steps", "step_duration"}},
    };
    const char* kind = nullptr;
    const char* kind_field = nullptr;
    for (const auto& [name, fields] : kinds) {
      for (const auto* f : fields) {
        if (!n[f]) {
          continue;
        }
        if (kind != nullptr && kind != name) {
          r_.fail(n[f], field + "." + f,
                  fmt::format("'{}' belongs to a {} phase, but '{}' makes this a {} phase", f, name,
                              kind_field, kind));
        }
        if (kind == nullptr) {
          kind = name;
          kind_field = f;
        }
      }
    }
    if (kind == nullptr) {
      r_.fail(n, field,
              "says no load: give users (closed), arrival_rate (open), rate + connections "
              "(constant throughput) or steps");
    }
    const std::string k = kind;
    auto required = [&](const char* f, const char* why) -> const YAML::Node {
      if (!n[f]) {
        r_.fail(n, field + "." + f, std::string("missing: ") + why);
      }
      return n[f];
    };
    if (k == "steps") {
      if (n["duration"]) {
        r_.fail(n["duration"], field + ".duration",
                "a steps phase lasts steps x step_duration; use step_duration");
      }
      steps_model s;
      const YAML::Node list = required("steps", "user counts, e.g. steps: [10, 20, 30]");
      r_.expect_list(list, field + ".steps", true);
      for (std::size_t i = 0; i < list.size(); ++i) {
        s.users.push_back(r_.positive_int(list[i], index_path(field + ".steps", i)));
      }
      s.step_duration = r_.length(required("step_duration", "how long each step lasts"),
                                  field + ".step_duration", false);
      p.length = s.step_duration * static_cast<std::int64_t>(s.users.size());
      p.model = s;
      return p;
    }
    p.length = r_.length(required("duration", "how long the phase lasts, e.g. 30s"),
                         field + ".duration", false);
    if (k == "closed") {
      closed_model m;
      m.users = r_.positive_int(n["users"], field + ".users");
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
    } else if (k == "open") {
      open_model m;
      m.arrival_rate = r_.number(required("arrival_rate", "iterations per second"),
                                 field + ".arrival_rate", false);
      if (n["ramp_to"]) {
        m.ramp_to = r_.number(n["ramp_to"], field + ".ramp_to", true);
      }
      if (n["max_users"]) {
        m.max_users = r_.positive_int(n["max_users"], field + ".max_users");
      }
      p.model = m;
    } else {
      throughput_model m;
      m.rate = r_.number(required("rate", "requests per second"), field + ".rate", false);
      m.connections = r_.positive_int(
          required("connections", "how many connections carry the rate"), field + ".connections");
      p.model = m;
    }
    return p;
  }

  scenario scenario_of(const YAML::Node& n, const std::string& field) {
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"name", "weight", "flow"});
    scenario s;
    if (!n["name"]) {
      r_.fail(n, field + ".name", "missing: every scenario needs a name");
    }
    s.name = r_.text(n["name"], field + ".name");
    if (n["weight"]) {
      s.weight = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(r_.positive_int(n["weight"], field + ".weight"), 1'000'000));
    }
    if (!n["flow"]) {
      r_.fail(n, field + ".flow", "missing: the steps each iteration runs");
    }
    s.flow = flow(n["flow"], field + ".flow", 0);
    return s;
  }

  std::vector<step> flow(const YAML::Node& n, const std::string& field, int depth) {
    r_.expect_list(n, field, true);
    std::vector<step> out;
    for (std::size_t i = 0; i < n.size(); ++i) {
      out.push_back(step_of(n[i], index_path(field, i), depth));
    }
    return out;
  }

  step step_of(const YAML::Node& n, const std::string& field, int depth) {
    r_.expect_map(n, field);
    std::vector<std::string> allowed = request_methods;
    allowed.push_back("think");
    allowed.push_back("loop");
    r_.only_fields(n, field, allowed);
    if (n.size() != 1) {
      r_.fail(n, field,
              "a step is exactly one of get/post/put/patch/delete/head/options, think or loop; "
              "put request options under the method (e.g. get: {url: /x, headers: ...})");
    }
    const std::string key = n.begin()->first.Scalar();
    const YAML::Node value = n.begin()->second;
    const auto sub = field + "." + key;
    if (key == "think") {
      return think(value, sub);
    }
    if (key == "loop") {
      if (depth >= max_loop_depth) {
        r_.fail(value, sub, fmt::format("loops nest deeper than {}", max_loop_depth));
      }
      r_.expect_map(value, sub);
      r_.only_fields(value, sub, {"count", "flow"});
      loop_step l;
      if (!value["count"]) {
        r_.fail(value, sub + ".count", "missing: how many times to repeat the flow");
      }
      l.count = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(r_.positive_int(value["count"], sub + ".count"), 1'000'000));
      if (!value["flow"]) {
        r_.fail(value, sub + ".flow", "missing: the steps to repeat");
      }
      l.flow = flow(value["flow"], sub + ".flow", depth + 1);
      return l;
    }
    return request(key, value, sub);
  }

  think_step think(const YAML::Node& n, const std::string& field) {
    if (n.IsScalar()) {
      const auto d = r_.length(n, field, true);
      return {d, d};
    }
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"min", "max"});
    if (!n["min"] || !n["max"]) {
      r_.fail(n, field, "a random think needs both min and max, e.g. {min: 1s, max: 3s}");
    }
    think_step t{r_.length(n["min"], field + ".min", true),
                 r_.length(n["max"], field + ".max", true)};
    if (t.min > t.max) {
      r_.fail(n["min"], field + ".min", "must not be larger than max");
    }
    return t;
  }

  request_step request(const std::string& method, const YAML::Node& n, const std::string& field) {
    request_step r;
    r.method = method;
    std::transform(r.method.begin(), r.method.end(), r.method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    r.position.line = n.Mark().line + 1;
    std::string url;
    if (n.IsScalar()) {
      url = n.Scalar();
    } else {
      r_.expect_map(n, field);
      r_.only_fields(n, field,
                     {"url", "name", "headers", "body", "json", "timeout", "checks", "capture"});
      if (!n["url"]) {
        r_.fail(n, field + ".url", "missing: the path to request, e.g. url: /items");
      }
      url = r_.text(n["url"], field + ".url");
      if (n["name"]) {
        r.name = r_.text(n["name"], field + ".name");
      }
      if (n["headers"]) {
        r.headers = r_.headers(n["headers"], field + ".headers");
      }
      if (n["body"] && n["json"]) {
        r_.fail(n["json"], field + ".json", "give either body or json, not both");
      }
      if (n["body"]) {
        r.body = template_string(r_.text(n["body"], field + ".body"));
      }
      if (n["json"]) {
        r.body = template_string(to_json(n["json"]).dump());
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
    const YAML::Node at = n.IsScalar() ? n : n["url"];
    const auto url_field = n.IsScalar() ? field : field + ".url";
    if (url.empty() || url.front() != '/') {
      r_.fail(at, url_field, "expected a path starting with '/', got '" + url + "'");
    }
    if (url.find_first_of(" \t\r\n") != std::string::npos) {
      r_.fail(at, url_field, "a path cannot contain spaces or line breaks (encode them as %20)");
    }
    r.path = template_string(url);
    if (r.name.empty()) {
      r.name = r.method + " " + url.substr(0, url.find('?'));
    }
    return r;
  }

  check check_of(const YAML::Node& n, const std::string& field) {
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"status", "header", "body_contains", "json", "equals"});
    check c;
    int kinds = 0;
    for (const char* k : {"status", "header", "body_contains", "json"}) {
      kinds += n[k] ? 1 : 0;
    }
    if (kinds != 1) {
      r_.fail(n, field, "a check is exactly one of status, header, body_contains or json");
    }
    if (n["status"]) {
      if (n["equals"]) {
        r_.fail(n["equals"], field + ".equals", "status checks take the code itself: status: 200");
      }
      c.what = check::kind::status;
      const auto code = r_.positive_int(n["status"], field + ".status");
      if (code < 100 || code > 599) {
        r_.fail(n["status"], field + ".status", "expected an HTTP status code (100..599)");
      }
      c.expected = template_string(std::to_string(code));
      c.description = "status == " + std::to_string(code);
    } else if (n["header"]) {
      c.what = check::kind::header;
      c.subject = r_.text(n["header"], field + ".header");
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
      c.expected = template_string(r_.text(n["body_contains"], field + ".body_contains"));
      c.description = "body contains '" + c.expected->text() + "'";
    } else {
      c.what = check::kind::json_path;
      c.subject = r_.text(n["json"], field + ".json");
      if (!valid_json_path(c.subject)) {
        r_.fail(n["json"], field + ".json",
                "invalid JSON path '" + c.subject + "' (expected e.g. $.items[0].id)");
      }
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
    int kinds = 0;
    for (const char* k : {"json", "header", "regex"}) {
      kinds += n[k] ? 1 : 0;
    }
    if (kinds != 1) {
      r_.fail(n, field, "a capture is exactly one of json, header or regex, with as: NAME");
    }
    if (!n["as"]) {
      r_.fail(n, field + ".as", "missing: the variable name to capture into");
    }
    capture c;
    c.variable = r_.text(n["as"], field + ".as");
    if (c.variable.empty() || c.variable.find_first_of(" {}") != std::string::npos) {
      r_.fail(n["as"], field + ".as", "invalid variable name '" + c.variable + "'");
    }
    if (n["json"]) {
      c.from = capture::kind::json_path;
      c.expression = r_.text(n["json"], field + ".json");
      if (!valid_json_path(c.expression)) {
        r_.fail(n["json"], field + ".json",
                "invalid JSON path '" + c.expression + "' (expected e.g. $.token)");
      }
    } else if (n["header"]) {
      c.from = capture::kind::header;
      c.expression = r_.text(n["header"], field + ".header");
    } else {
      c.from = capture::kind::regex;
      c.expression = r_.text(n["regex"], field + ".regex");
      try {
        std::regex re(c.expression, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        r_.fail(n["regex"], field + ".regex",
                std::string("invalid regular expression: ") + e.what());
      }
    }
    return c;
  }

  data_feeder data_of(const YAML::Node& n) {
    r_.expect_map(n, "data");
    r_.only_fields(n, "data", {"file", "order"});
    if (!n["file"]) {
      r_.fail(n, "data.file", "missing: the CSV file to read");
    }
    const auto name = r_.text(n["file"], "data.file");
    const auto path = std::filesystem::path(base_dir_) / name;
    if (!load_data_) {
      data_feeder unread;
      unread.file = name;
      return unread;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      r_.fail(n["file"], "data.file", "cannot read '" + path.string() + "'");
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto feeder = parse_csv(text.str(), path.string());
    feeder.file = path.string();
    if (n["order"]) {
      const auto order = r_.text(n["order"], "data.order");
      if (order != "sequential" && order != "random") {
        r_.fail(n["order"], "data.order", "expected sequential or random, got '" + order + "'");
      }
      feeder.random_order = order == "random";
    }
    return feeder;
  }

  const reader& r_;
  std::string base_dir_;
  bool load_data_;
};

}  // namespace

campaign_error::campaign_error(std::string file, int line, std::string field, std::string message)
    : std::runtime_error(fmt::format("{}:{}: {}: {}", file, line, field, message)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)),
      message_(std::move(message)) {}

campaign parse_campaign(std::string_view yaml_text, const std::string& file_name,
                        const std::string& base_dir, bool load_data) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw campaign_error(file_name, e.mark.line + 1, "(syntax)", e.msg);
  }
  reader r(file_name);
  campaign_reader cr(r, base_dir, load_data);
  auto c = cr.read(root);
  c.source_text = std::string(yaml_text);
  c.source_file = file_name;
  return c;
}

campaign load_campaign_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw campaign_error(path, 0, "(file)", "cannot read the file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  const auto dir = std::filesystem::path(path).parent_path().string();
  return parse_campaign(text.str(), path, dir.empty() ? "." : dir);
}

threshold parse_threshold(std::string_view expression) {
  threshold t;
  t.expression = std::string(expression);
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < expression.size() && (expression[i] == ' ' || expression[i] == '\t')) {
      ++i;
    }
  };
  skip_space();
  const auto metric_start = i;
  while (i < expression.size() && expression[i] != ' ' && expression[i] != '<' &&
         expression[i] != '>' && expression[i] != '=') {
    ++i;
  }
  t.metric = std::string(expression.substr(metric_start, i - metric_start));
  skip_space();
  using cmp = threshold::comparison;
  const auto rest = expression.substr(i);
  if (rest.substr(0, 2) == "<=") {
    t.op = cmp::less_equal;
    i += 2;
  } else if (rest.substr(0, 2) == ">=") {
    t.op = cmp::greater_equal;
    i += 2;
  } else if (rest.substr(0, 2) == "==") {
    t.op = cmp::equal;
    i += 2;
  } else if (rest.substr(0, 1) == "<") {
    t.op = cmp::less;
    i += 1;
  } else if (rest.substr(0, 1) == ">") {
    t.op = cmp::greater;
    i += 1;
  } else {
    throw std::invalid_argument("expected METRIC OP VALUE with OP one of < <= > >= ==, got '" +
                                std::string(expression) + "'");
  }
  skip_space();
  auto value = std::string(expression.substr(i));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.pop_back();
  }

  static const std::set<std::string> stats = {"min", "mean", "avg", "med",  "p50",
                                              "p90", "p95",  "p99", "p999", "max"};
  auto latency_metric = [&] {
    for (const auto* prefix : {"http.latency.", "http.ttfb.", "http.connect."}) {
      const std::string_view p(prefix);
      if (t.metric.rfind(p, 0) == 0 && stats.count(t.metric.substr(p.size())) != 0) {
        return true;
      }
    }
    return false;
  };
  auto plain_number = [&](const std::string& text, double& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc{} && end == text.data() + text.size() &&
           std::isfinite(out);
  };
  if (latency_metric()) {
    double ms = 0;
    if (plain_number(value, ms)) {
      t.value = ms;  // a bare number is milliseconds
    } else if (auto d = core::parse_duration(value)) {
      t.value = static_cast<double>(d->count()) / 1e6;
    } else {
      throw std::invalid_argument("expected a latency like 200ms, 1.5s or 800us, got '" + value +
                                  "'");
    }
  } else if (t.metric == "http.error_rate" || t.metric == "checks.rate") {
    double v = 0;
    if (!value.empty() && value.back() == '%' &&
        plain_number(value.substr(0, value.size() - 1), v)) {
      t.value = v / 100.0;
    } else if (plain_number(value, v)) {
      t.value = v;
    } else {
      throw std::invalid_argument("expected a ratio like 0.01 or a percentage like 1%, got '" +
                                  value + "'");
    }
  } else if (t.metric == "http.requests" || t.metric == "http.rps" ||
             t.metric == "iterations.dropped") {
    if (!plain_number(value, t.value)) {
      throw std::invalid_argument("expected a number, got '" + value + "'");
    }
  } else {
    throw std::invalid_argument(
        "unknown metric '" + t.metric +
        "' (known: http.latency.<stat>, http.ttfb.<stat>, http.connect.<stat> with <stat> one "
        "of min mean p50 p90 p95 p99 p999 max; http.error_rate, checks.rate, http.requests, "
        "http.rps, iterations.dropped)");
  }
  return t;
}

data_feeder parse_csv(std::string_view text, const std::string& file) {
  data_feeder out;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  bool cell_started = false;
  int line = 1;
  int row_line = 1;
  auto end_cell = [&] {
    row.push_back(std::move(cell));
    cell.clear();
    cell_started = false;
  };
  auto end_row = [&] {
    end_cell();
    if (!(row.size() == 1 && row[0].empty())) {  // blank lines are skipped
      rows.push_back(std::move(row));
      row_lines.push_back(row_line);
    }
    row.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') {
          ++line;
        }
        cell.push_back(c);
      }
      continue;
    }
    if (c == '"' && !cell_started) {
      quoted = true;
      cell_started = true;
    } else if (c == ',') {
      end_cell();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      end_row();
      ++line;
      row_line = line;
    } else {
      cell.push_back(c);
      cell_started = true;
    }
  }
  if (quoted) {
    throw campaign_error(file, row_line, "data", "unterminated quoted field");
  }
  if (cell_started || !row.empty()) {
    end_row();
  }
  if (rows.empty()) {
    throw campaign_error(file, 1, "data", "the CSV file is empty: expected a header row");
  }
  out.columns = std::move(rows.front());
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != out.columns.size()) {
      throw campaign_error(file, row_lines[r], "data",
                           fmt::format("expected {} fields like the header, got {}",
                                       out.columns.size(), rows[r].size()));
    }
    out.rows.push_back(std::move(rows[r]));
  }
  if (out.rows.empty()) {
    throw campaign_error(file, 1, "data", "the CSV file has a header but no rows");
  }
  return out;
}

}  // namespace stampede::scenario

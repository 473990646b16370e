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
#include "scenario/check_reader.hpp"
#include "scenario/http_syntax.hpp"
#include "scenario/json_path.hpp"
#include "scenario/phase_reader.hpp"
#include "scenario/regex.hpp"
#include "scenario/step_reader.hpp"
#include "scenario/threshold_scope_check.hpp"
#include "scenario/yaml_reader.hpp"

namespace stampede::scenario {
namespace {

using namespace detail;
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

/// The YAML parser's message, with what usually fixes it: its messages name the grammar, not
/// the mistake.
std::string syntax_help(const std::string& message, std::string_view text, int line) {
  // The line the error is on, and the one before (a tab often breaks the line after it).
  const auto line_text = [&](int wanted) {
    std::size_t start = 0;
    for (int i = 1; i < wanted && start != std::string_view::npos; ++i) {
      start = text.find('\n', start);
      start = start == std::string_view::npos ? start : start + 1;
    }
    if (start == std::string_view::npos || start >= text.size()) {
      return std::string_view();
    }
    return text.substr(start, text.find('\n', start) - start);
  };
  for (const int l : {line, line - 1}) {
    const auto t = l > 0 ? line_text(l) : std::string_view();
    const auto indent = t.substr(0, t.find_first_not_of(" \t"));
    if (indent.find('\t') != std::string_view::npos) {
      return fmt::format("{} (line {} is indented with a tab: YAML indents with spaces only)",
                         message, l);
    }
  }
  if (message == "unknown token") {
    // A plain `?` inside {...} (a path with a query, most often).
    return message +
           " (inside {...}, quote a value holding '?', e.g. {url: \"/sse?channel=news\"})";
  }
  if (message == "illegal map value" || message == "end of map not found" ||
      message == "end of sequence not found" || message == "illegal block entry" ||
      message == "bad indentation of a mapping entry" ||
      message == "block sequence entries are not allowed in this context") {
    return fmt::format(
        "{} (check the indentation of line {} against the lines above: the fields of one "
        "mapping, and the items of one list, start in the same column)",
        message, line);
  }
  return message;
}

/// Why `text` is not a target URL (scheme://host[:port]), if it is not.
std::optional<std::string> target_problem(const std::string& text) {
  if (text.find("://") == std::string::npos) {
    return fmt::format("expected a URL like http://host:port, got '{}'", text);
  }
  if (text.find_first_of(" \t#") != std::string::npos) {
    return fmt::format("a URL cannot contain spaces or '#', got '{}'", text);
  }
  std::string error;
  const auto u = net::parse_url(text, &error);
  if (!u) {
    return fmt::format("{}, got '{}'", error, text);
  }
  if (u->path != "/") {
    return fmt::format("must be scheme://host[:port] only; paths go in the steps (got '{}')",
                       u->path);
  }
  return std::nullopt;
}

/// Where a campaign's CSV data file comes from.
struct data_source {
  enum class kind : std::uint8_t {
    file,    ///< read from `base_dir`, the campaign's directory
    text,    ///< `text`, given beside the campaign (how a controller and its agents get it)
    unread,  ///< not read: its fields are checked, its columns are unknown
  };
  kind from = kind::file;
  std::string base_dir;
  std::string_view text;
};

/// Reads a campaign's sections and items one by one: a mistake in one is kept in the
/// node_reader's error list and reading goes on with the next, so the file's independent
/// mistakes are all reported. Checks that need several items (duplicate names, fixed users
/// against phases, threshold filters) look only at what was read without error.
class campaign_reader {
 public:
  campaign_reader(const node_reader& r, data_source data) : r_(r), data_(std::move(data)) {}

  campaign read(const YAML::Node& root) {
    campaign c;
    r_.expect_map(root, "(file)");
    // A misspelt section is then missing as well; its unknown-field error says enough.
    unknown_sections_ = !errors().attempt([&] {
      r_.only_fields(root, "",
                     {"name", "target", "threads", "defaults", "phases", "scenarios", "thresholds",
                      "data", "on_agent_loss", "outputs", "monitor"});
    });
    errors().attempt([&] {
      c.name = root["name"] ? r_.name(root["name"], "name")
                            : std::filesystem::path(r_.file()).stem().string();
    });
    bool target_read = true;
    if (const auto& given = r_.params().target) {
      if (const auto why = target_problem(*given)) {
        throw std::invalid_argument("--target: " + *why);
      }
      c.target = given->back() == '/' ? given->substr(0, given->size() - 1) : *given;
    } else {
      target_read = errors().attempt([&] {
        c.target = target_of(
            section(root, "target", "the base URL to load, e.g. target: http://127.0.0.1:8080"));
      });
    }
    if (root["threads"]) {
      errors().attempt([&] {
        c.threads =
            static_cast<std::uint32_t>(r_.positive_int(root["threads"], "threads", max_threads));
      });
    }
    if (root["defaults"]) {
      errors().attempt(
          [&] { c.defaults_ = defaults_of(root["defaults"], target_read ? &c.target : nullptr); });
    }
    if (root["on_agent_loss"]) {
      errors().attempt([&] { c.on_agent_loss = agent_loss_policy_of(root["on_agent_loss"]); });
    }
    if (const auto list = root["outputs"]) {
      errors().attempt([&] {
        r_.expect_list(list, "outputs", false);
        for (std::size_t i = 0; i < list.size(); ++i) {
          errors().attempt([&] {
            c.outputs.push_back(
                {r_.text(list[i], index_path("outputs", i)), list[i].Mark().line + 1});
          });
        }
      });
    }
    if (const auto list = root["monitor"]) {
      errors().attempt([&] {
        r_.expect_list(list, "monitor", false);
        for (std::size_t i = 0; i < list.size(); ++i) {
          errors().attempt(
              [&] { c.monitors.push_back(monitor_of(list[i], index_path("monitor", i))); });
        }
      });
    }
    std::vector<YAML::Node> phase_nodes;  // of c.phases, for later checks to point at
    const bool phases_read =
        errors().attempt([&] { phase_nodes = read_phases(root, c, target_read); });
    const bool scenarios_read = errors().attempt([&] { read_scenarios(root, c); });
    if (phases_read && scenarios_read) {
      errors().attempt([&] { check_fixed_users(c, phase_nodes); });
    }
    if (root["thresholds"]) {
      errors().attempt([&] { read_thresholds(root["thresholds"], c, scenarios_read); });
    }
    bool columns_known = true;
    if (root["data"]) {
      columns_known = errors().attempt([&] { c.data = data_of(root["data"]); }) &&
                      data_.from != data_source::kind::unread;
    }
    // Without the data file's columns, any name could be one of them.
    if (columns_known) {
      errors().attempt([&] {
        auto undefined = r_.variables().undefined(
            r_.file(), c.data ? c.data->columns : std::vector<std::string>{});
        if (!undefined.empty()) {
          throw campaign_error(std::move(undefined));
        }
      });
    }
    return c;
  }

 private:
  error_list& errors() const { return r_.errors(); }

  /// The top-level section `key`, which must be there (`why` says what it holds).
  YAML::Node section(const YAML::Node& root, const char* key, std::string_view why) const {
    if (!root[key] && unknown_sections_) {
      throw errors_reported{};
    }
    return r_.required(root, key, "", why);
  }

  /// Each phase read without error goes into `c`; returns their nodes. Throws errors_reported
  /// when some phase was not.
  std::vector<YAML::Node> read_phases(const YAML::Node& root, campaign& c, bool target_read) {
    const YAML::Node phases = section(
        root, "phases", "a list of load phases, e.g. - {name: steady, duration: 30s, users: 10}");
    r_.expect_list(phases, "phases", true);
    std::vector<YAML::Node> nodes;
    std::set<std::string> names;
    bool all_read = true;
    for (std::size_t i = 0; i < phases.size(); ++i) {
      all_read &= errors().attempt([&] {
        const auto field = index_path("phases", i);
        auto p = read_phase(r_, phases[i], field);
        if (!names.insert(p.name).second) {
          r_.fail(phases[i]["name"], field + ".name",
                  fmt::format("duplicate phase name '{}'", p.name));
        }
        if (target_read) {
          check_connections_target(p, phases[i], field, c.target);
        }
        c.phases.push_back(std::move(p));
        nodes.push_back(phases[i]);
      });
    }
    if (!all_read) {
      throw errors_reported{};
    }
    return nodes;
  }

  /// A connections phase holds plain HTTP/1.1 or h2c connections, so the target must be one.
  void check_connections_target(const struct phase& p, const YAML::Node& n,
                                const std::string& field, const std::string& target) const {
    if (!std::holds_alternative<connections_model>(p.model)) {
      return;
    }
    const bool h2c = target.rfind("h2c://", 0) == 0;
    if (target.rfind("http://", 0) != 0 && !h2c && target_known_) {
      r_.fail(n, field,
              fmt::format("a connections phase holds plain TCP connections (HTTP/1.1, or "
                          "HTTP/2 with h2c://): the target must be http:// or h2c://, not '{}'",
                          target));
    }
    if (h2c && n["websocket"]) {
      r_.fail(n["websocket"], field + ".websocket",
              "held WebSockets are HTTP/1.1 upgrades: the target must be http://");
    }
    if (h2c && n["ping_path"]) {
      r_.fail(n["ping_path"], field + ".ping_path",
              "a held HTTP/2 connection is pinged with PING frames; ping_path is for HTTP/1.1");
    }
  }

  /// Each scenario read without error goes into `c`. Throws errors_reported when some was not.
  void read_scenarios(const YAML::Node& root, campaign& c) {
    // Connections phases run no scenario: a campaign of only those needs none.
    const bool only_connections = std::all_of(
        c.phases.begin(), c.phases.end(),
        [](const struct phase& ph) { return std::holds_alternative<connections_model>(ph.model); });
    const YAML::Node scenarios =
        only_connections && !root["scenarios"]
            ? YAML::Node(YAML::NodeType::Sequence)
            : section(root, "scenarios", "a list of scenarios, each with a flow of steps");
    r_.expect_list(scenarios, "scenarios", !only_connections);
    std::set<std::string> names;
    bool all_read = true;
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      all_read &= errors().attempt([&] {
        const auto field = index_path("scenarios", i);
        auto s = scenario_of(scenarios[i], field);
        if (!names.insert(s.name).second) {
          r_.fail(scenarios[i]["name"], field + ".name",
                  fmt::format("duplicate scenario name '{}'", s.name));
        }
        c.scenarios.push_back(std::move(s));
      });
    }
    if (!all_read) {
      throw errors_reported{};
    }
  }

  /// Each threshold read without error goes into `c`. Their filters are checked against the
  /// scenarios only when all of them were read: one not read may be what a filter names.
  void read_thresholds(const YAML::Node& list, campaign& c, bool scenarios_read) {
    r_.expect_list(list, "thresholds", false);
    for (std::size_t i = 0; i < list.size(); ++i) {
      errors().attempt([&] {
        c.thresholds.push_back(
            threshold_of(list[i], index_path("thresholds", i), scenarios_read ? &c : nullptr));
      });
    }
  }

  /// `- process: nginx` (or `pid:`, `cgroup:`), with an optional `name:`.
  campaign_monitor monitor_of(const YAML::Node& n, const std::string& field) const {
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"name", "pid", "process", "cgroup"});
    campaign_monitor m;
    m.line = n.Mark().line + 1;
    int given = 0;
    if (n["pid"]) {
      m.pid = static_cast<std::int64_t>(
          r_.positive_int(n["pid"], field + ".pid", std::numeric_limits<std::int32_t>::max()));
      ++given;
    }
    if (n["process"]) {
      m.process = r_.name(n["process"], field + ".process");
      ++given;
    }
    if (n["cgroup"]) {
      m.cgroup = r_.name(n["cgroup"], field + ".cgroup");
      ++given;
    }
    if (given != 1) {
      r_.fail(n, field, "expected one of pid, process or cgroup: what to watch");
    }
    if (n["name"]) {
      m.name = r_.name(n["name"], field + ".name");
      if (m.name.find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
        r_.fail(
            n["name"], field + ".name",
            "expected letters, digits, '_' and '-' only (it names series), got '" + m.name + "'");
      }
    }
    return m;
  }

  agent_loss_policy agent_loss_policy_of(const YAML::Node& n) const {
    const auto policy = r_.text(n, "on_agent_loss");
    if (policy == "rebalance") {
      return agent_loss_policy::rebalance;
    }
    if (policy == "continue") {
      return agent_loss_policy::continue_;
    }
    if (policy != "abort") {
      r_.fail(n, "on_agent_loss",
              fmt::format("expected rebalance, continue or abort, got '{}'", policy));
    }
    return agent_loss_policy::abort;
  }

  /// Users beyond the fixed ones, and open or throughput phases, pick a scenario by weight:
  /// there must then be one to pick. `phases`: the nodes of c.phases.
  void check_fixed_users(const campaign& c, const std::vector<YAML::Node>& phases) const {
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

  /// `METRIC OP VALUE`, or {threshold: "METRIC OP VALUE", abort_on_fail: true, delay: 30s};
  /// its filters must name the scenarios and steps of `scope`, when given.
  threshold threshold_of(const YAML::Node& n, const std::string& field, const campaign* scope) {
    if (n.IsMap()) {
      r_.only_fields(n, field, {"threshold", "abort_on_fail", "delay"});
    }
    const YAML::Node expression =
        n.IsMap() ? r_.required(n, "threshold", field,
                                "the expression, e.g. threshold: \"http.error_rate < 1%\"")
                  : n;
    const auto expression_field = n.IsMap() ? field + ".threshold" : field;
    threshold t;
    try {
      t = parse_threshold(r_.text(expression, expression_field));
    } catch (const std::invalid_argument& e) {
      r_.fail(expression, expression_field, e.what());
    }
    if (scope != nullptr) {
      if (const auto why = unknown_scope_name(t, *scope)) {
        r_.fail(expression, expression_field, *why);
      }
    }
    t.position = position_of(expression);
    if (n.IsMap()) {
      if (n["abort_on_fail"]) {
        t.abort_on_fail = r_.boolean(n["abort_on_fail"], field + ".abort_on_fail");
      }
      if (n["delay"]) {
        if (!t.abort_on_fail) {
          r_.fail(n["delay"], field + ".delay",
                  "delay is when abort_on_fail starts checking; without abort_on_fail: true the "
                  "threshold is checked once, at the end");
        }
        t.delay = r_.length(n["delay"], field + ".delay", true);
      }
      if (t.abort_on_fail && t.metric == "connections.held") {
        r_.fail(n["abort_on_fail"], field + ".abort_on_fail",
                "connections.held is counted when the hold ends, so it cannot be checked while "
                "the run goes on");
      }
    }
    return t;
  }

  std::string target_of(const YAML::Node& n) {
    const auto written = r_.text(n, "target");
    // Checked before templated() notes the variables: they are this error, not undefined ones.
    const template_string probe(written);
    if (std::any_of(probe.variables().begin(), probe.variables().end(),
                    [](const auto& name) { return name.rfind(run_parameters::prefix, 0) != 0; })) {
      r_.fail(n, "target", "a target may use run parameters ({{env.NAME}}) but no other variable");
    }
    const auto t = r_.templated(written, n, "target");
    if (!t.is_literal()) {  // values_later(): the parameters' values are not here
      target_known_ = false;
      return std::string(run_parameters::stand_in_target);
    }
    const auto& text = t.text();
    if (const auto why = target_problem(text)) {
      r_.fail(n, "target", *why);
    }
    return text.back() == '/' ? text.substr(0, text.size() - 1) : text;
  }

  /// `target`: the campaign's, or nullptr when it could not be read (its HTTP/2 fields are then
  /// not checked against it). Each field is read on its own, its error kept.
  defaults defaults_of(const YAML::Node& n, const std::string* target) {
    defaults d;
    r_.expect_map(n, "defaults");
    errors().attempt([&] {
      r_.only_fields(
          n, "defaults",
          {"headers", "connect_timeout", "request_timeout", "insecure", "streams", "window_size",
           "connection_window_size", "expect_status", "cookies", "max_redirects"});
    });
    const auto url = target != nullptr ? net::parse_url(*target) : std::nullopt;
    const bool http2 = url && url->http2();
    const auto read = [&](const char* f, auto&& read_field) {
      if (!n[f]) {
        return;
      }
      errors().attempt([&] {
        if (target != nullptr && !http2 && target_known_ &&
            (f == std::string_view("streams") || f == std::string_view("window_size") ||
             f == std::string_view("connection_window_size"))) {
          r_.fail(n[f], std::string("defaults.") + f,
                  fmt::format("only HTTP/2 targets have it (target: h2c://host:port for prior "
                              "knowledge, h2://host:port over TLS); this target is {}",
                              *target));
        }
        read_field(n[f], std::string("defaults.") + f);
      });
    };
    read("streams", [&](const YAML::Node& v, const std::string& field) {
      d.streams = static_cast<std::uint32_t>(r_.positive_int(v, field, max_streams_per_connection));
    });
    read("window_size", [&](const YAML::Node& v, const std::string& field) {
      d.window_size = static_cast<std::uint32_t>(r_.positive_int(v, field, max_h2_window));
    });
    read("connection_window_size", [&](const YAML::Node& v, const std::string& field) {
      d.connection_window_size =
          static_cast<std::uint32_t>(r_.positive_int(v, field, max_h2_window));
      if (d.connection_window_size < min_h2_connection_window) {
        r_.fail(v, field,
                fmt::format("expected at least {} (HTTP/2's initial connection window), got {}",
                            min_h2_connection_window, d.connection_window_size));
      }
    });
    read("headers",
         [&](const YAML::Node& v, const std::string& field) { d.headers = r_.headers(v, field); });
    read("connect_timeout", [&](const YAML::Node& v, const std::string& field) {
      d.connect_timeout = r_.length(v, field, false);
    });
    read("request_timeout", [&](const YAML::Node& v, const std::string& field) {
      d.request_timeout = r_.length(v, field, false);
    });
    read("insecure",
         [&](const YAML::Node& v, const std::string& field) { d.insecure = r_.boolean(v, field); });
    read("expect_status", [&](const YAML::Node& v, const std::string& field) {
      d.expect_status = read_statuses(r_, v, field);
    });
    read("cookies",
         [&](const YAML::Node& v, const std::string& field) { d.cookies = cookies_of(v, field); });
    read("max_redirects", [&](const YAML::Node& v, const std::string& field) {
      d.max_redirects = static_cast<std::uint32_t>(r_.count(v, field, max_redirects));
    });
    return d;
  }

  /// `cookies:` true (a jar per user, kept), false, or reset_each_iteration.
  cookie_policy cookies_of(const YAML::Node& n, const std::string& field) {
    if (n.IsScalar() && n.Scalar() == "reset_each_iteration") {
      return cookie_policy::reset_each_iteration;
    }
    if (!n.IsScalar() || (n.Scalar() != "true" && n.Scalar() != "false")) {
      r_.fail(n, field,
              "expected true (each user keeps its cookies), false (no cookies) or "
              "reset_each_iteration, got " +
                  node_reader::describe(n));
    }
    return n.Scalar() == "true" ? cookie_policy::keep : cookie_policy::off;
  }

  /// A scenario's fields and its flow are read on their own, their errors kept: a bad weight
  /// does not hide the mistakes of the steps. Throws errors_reported when some failed.
  scenario scenario_of(const YAML::Node& n, const std::string& field) {
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"name", "weight", "fixed_users", "setup", "flow", "cookies"});
    scenario s;
    bool all_read = true;
    if (n["cookies"]) {
      all_read &=
          errors().attempt([&] { s.cookies = cookies_of(n["cookies"], field + ".cookies"); });
    }
    all_read &= errors().attempt([&] {
      s.name =
          r_.name(r_.required(n, "name", field, "every scenario needs a name"), field + ".name");
    });
    all_read &= errors().attempt([&] {
      if (n["fixed_users"]) {
        if (n["weight"]) {
          r_.fail(n["weight"], field + ".weight",
                  "give either weight or fixed_users: a scenario with fixed users is not picked "
                  "by weight");
        }
        s.fixed_users = r_.positive_int(n["fixed_users"], field + ".fixed_users");
      }
      if (n["weight"]) {
        s.weight =
            static_cast<std::uint32_t>(r_.positive_int(n["weight"], field + ".weight", max_weight));
      }
    });
    if (n["setup"]) {
      all_read &= errors().attempt(
          [&] { s.setup = read_flow(r_, flow_budget_, n["setup"], field + ".setup"); });
    }
    all_read &= errors().attempt([&] {
      const YAML::Node flow_node =
          r_.required(n, "flow", field, "the steps each iteration runs, e.g. flow: [get: /]");
      s.flow = read_flow(r_, flow_budget_, flow_node, field + ".flow");
      // An iteration without a request would spin as fast as the CPU allows and measure nothing.
      if (!has_request(s.flow)) {
        r_.fail(flow_node, field + ".flow", "has no request step; add one, e.g. - get: /");
      }
    });
    if (!all_read) {
      throw errors_reported{};
    }
    return s;
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
    data_feeder feeder;
    switch (data_.from) {
      case data_source::kind::unread:
        feeder.file = name;
        break;
      case data_source::kind::text:
        if (data_.text.empty()) {
          r_.fail(file_node, "data.file",
                  fmt::format("the CSV file {} did not come with the campaign; add the "
                              "campaign again from where the file is",
                              name));
        }
        feeder = parse_csv(data_.text, name);
        break;
      case data_source::kind::file: {
        const auto path =
            (std::filesystem::path(data_.base_dir) / name).lexically_normal().string();
        std::error_code ec;
        std::ifstream in(path, std::ios::binary);
        if (!in || std::filesystem::is_directory(path, ec)) {
          r_.fail(file_node, "data.file", fmt::format("cannot read '{}'", path));
        }
        std::ostringstream text;
        text << in.rdbuf();
        feeder = parse_csv(text.str(), path);
        break;
      }
    }
    feeder.random_order = random_order;
    feeder.position = position_of(file_node);
    return feeder;
  }

  const node_reader& r_;
  data_source data_;
  /// False when the target is made of parameters whose values come later: what its scheme
  /// allows is then checked when the run starts.
  bool target_known_ = true;
  flow_budget flow_budget_;
  bool unknown_sections_ = false;  ///< the top level has a field it does not know
};

int line_of(const YAML::Mark& mark) {
  return mark.line < 0 ? 0 : mark.line + 1;
}

/// A campaign's text read into the model, its data file taken from `data`.
campaign parse_document(std::string_view yaml_text, const std::string& file_name, data_source data,
                        const run_parameters& params) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw campaign_error(file_name, line_of(e.mark), "(syntax)",
                         syntax_help(e.msg, yaml_text, line_of(e.mark)));
  }
  if (documents.empty() || documents[0].IsNull()) {
    throw campaign_error(file_name, 1, "(file)", "the campaign is empty");
  }
  if (documents.size() > 1 && !documents[1].IsNull()) {
    throw campaign_error(file_name, line_of(documents[1].Mark()), "(file)",
                         "a campaign file holds one YAML document; a second one starts here");
  }
  error_list errors(file_name);
  variable_ledger variables;
  const node_reader r(file_name, documents[0], params, errors, variables);
  campaign_reader reader(r, std::move(data));
  campaign c;
  try {
    c = reader.read(documents[0]);
  } catch (const YAML::Exception& e) {
    // Every lookup above checks before it reads, so this is a bug here; still, the user gets a
    // line to look at rather than an unexplained crash.
    throw campaign_error(file_name, line_of(e.mark), "(file)", e.msg);
  }
  errors.throw_if_any();
  c.source_text = std::string(yaml_text);
  c.source_file = file_name;
  return c;
}

}  // namespace

campaign parse_campaign(std::string_view yaml_text, const std::string& file_name,
                        const std::string& base_dir, bool load_data, const run_parameters& params) {
  data_source data;
  data.from = load_data ? data_source::kind::file : data_source::kind::unread;
  data.base_dir = base_dir;
  return parse_document(yaml_text, file_name, std::move(data), params);
}

campaign load_campaign_file(const std::string& path, const run_parameters& params) {
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
  return parse_campaign(text.str(), path, dir.empty() ? "." : dir, true, params);
}

campaign parse_campaign_with_data(std::string_view yaml_text, const std::string& file_name,
                                  const std::string& data_text, const run_parameters& params) {
  data_source data;
  data.from = data_source::kind::text;
  data.text = data_text;
  return parse_document(yaml_text, file_name, std::move(data), params);
}

}  // namespace stampede::scenario

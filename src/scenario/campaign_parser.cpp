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
    if (const auto& given = r_.params().target) {
      if (const auto why = target_problem(*given)) {
        throw std::invalid_argument("--target: " + *why);
      }
      c.target = given->back() == '/' ? given->substr(0, given->size() - 1) : *given;
    } else {
      c.target = target_of(r_.required(root, "target", "",
                                       "the base URL to load, e.g. target: http://127.0.0.1:8080"));
    }
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
      c.phases.push_back(read_phase(r_, phases[i], field));
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
      if (c.target.rfind("http://", 0) != 0 && !h2c && target_known_) {
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
        c.thresholds.push_back(threshold_of(list[i], index_path("thresholds", i), c));
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

  /// `METRIC OP VALUE`, or {threshold: "METRIC OP VALUE", abort_on_fail: true, delay: 30s};
  /// its filters must name the scenarios and steps of `c` (read before the thresholds).
  threshold threshold_of(const YAML::Node& n, const std::string& field, const campaign& c) {
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
    if (const auto why = unknown_scope_name(t, c)) {
      r_.fail(expression, expression_field, *why);
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
    const auto t = r_.templated(r_.text(n, "target"), n, "target");
    const auto& names = t.variables();
    const bool only_parameters = std::all_of(names.begin(), names.end(), [](const auto& name) {
      return name.substr(0, run_parameters::prefix.size()) == run_parameters::prefix;
    });
    if (!only_parameters) {
      r_.fail(n, "target", "a target may use run parameters ({{env.NAME}}) but no other variable");
    }
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

  defaults defaults_of(const YAML::Node& n, const std::string& target) {
    defaults d;
    r_.expect_map(n, "defaults");
    r_.only_fields(
        n, "defaults",
        {"headers", "connect_timeout", "request_timeout", "insecure", "streams", "window_size",
         "connection_window_size", "expect_status", "cookies", "max_redirects"});
    const auto url = net::parse_url(target);
    const bool http2 = url && url->http2();
    for (const char* f : {"streams", "window_size", "connection_window_size"}) {
      if (n[f] && !http2 && target_known_) {
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
    if (n["expect_status"]) {
      d.expect_status = read_statuses(r_, n["expect_status"], "defaults.expect_status");
    }
    if (n["cookies"]) {
      d.cookies = cookies_of(n["cookies"], "defaults.cookies");
    }
    if (n["max_redirects"]) {
      d.max_redirects = static_cast<std::uint32_t>(
          r_.count(n["max_redirects"], "defaults.max_redirects", max_redirects));
    }
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

  scenario scenario_of(const YAML::Node& n, const std::string& field) {
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"name", "weight", "fixed_users", "flow", "cookies"});
    scenario s;
    if (n["cookies"]) {
      s.cookies = cookies_of(n["cookies"], field + ".cookies");
    }
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
    s.flow = read_flow(r_, flow_budget_, flow_node, field + ".flow");
    // An iteration without a request would spin as fast as the CPU allows and measure nothing.
    if (!has_request(s.flow)) {
      r_.fail(flow_node, field + ".flow", "has no request step; add one, e.g. - get: /");
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
  /// False when the target is made of parameters whose values come later: what its scheme
  /// allows is then checked when the run starts.
  bool target_known_ = true;
  flow_budget flow_budget_;
};

int line_of(const YAML::Mark& mark) {
  return mark.line < 0 ? 0 : mark.line + 1;
}

}  // namespace

campaign parse_campaign(std::string_view yaml_text, const std::string& file_name,
                        const std::string& base_dir, bool load_data, const run_parameters& params) {
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
  const node_reader r(file_name, documents[0], params);
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
  auto c = parse_campaign(yaml_text, file_name, ".", false, params);
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

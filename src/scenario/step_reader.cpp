// SPDX-License-Identifier: Apache-2.0
// The steps of a campaign's flows: requests (their checks and captures in check_reader.cpp), think,
// loop, WebSocket, event-stream, long-poll and publish steps, each read from YAML into the model.
#include "scenario/step_reader.hpp"

#include <regex>

#include "core/text.hpp"
#include "scenario/check_reader.hpp"

namespace stampede::scenario::detail {
namespace {

// Limits that turn a typo (an extra zero) or a hostile file into an error instead of a run
// that exhausts memory or the stack.
constexpr int max_loop_depth = 16;
constexpr std::uint64_t max_loop_count = 1'000'000;
constexpr std::size_t max_steps = 100'000;         ///< in all flows, aliases expanded
constexpr std::size_t max_body_bytes = 64u << 20;  ///< all bodies and messages, aliases expanded
constexpr auto step_kinds = std::to_array<std::string_view>(
    {"get", "post", "put", "patch", "delete", "head", "options", "think", "loop", "ws", "send",
     "expect", "hold", "close", "sse", "longpoll", "publish"});
/// Largest publish body: the built-in target's WebSocket limit.
constexpr std::uint64_t max_publish_size = 16u << 20;
constexpr std::uint64_t max_publish_channels = 1'000'000;
/// What a publish step sets for its own url and headers: the channel of each message.
constexpr auto publish_variables = std::to_array<std::string_view>({"channel"});
constexpr auto request_options =
    std::to_array<std::string_view>({"url", "name", "headers", "body", "json", "timeout", "checks",
                                     "capture", "expect_status", "max_redirects"});

class step_reader {
 public:
  step_reader(const node_reader& r, flow_budget& budget) : r_(r), budget_(budget) {}

  /// Each step is read on its own, its error kept, so the mistakes of several steps are all
  /// reported; throws errors_reported when some step was not read.
  std::vector<step> flow(const YAML::Node& n, const std::string& field, int depth) {
    r_.expect_list(n, field, true);
    std::vector<step> out;
    out.reserve(n.size());
    bool all_read = true;
    for (std::size_t i = 0; i < n.size(); ++i) {
      all_read &=
          r_.errors().attempt([&] { out.push_back(step_of(n[i], index_path(field, i), depth)); });
      if (budget_.steps > max_steps || budget_.body_bytes > max_body_bytes) {
        break;  // past the bounds, every further step would repeat the same error
      }
    }
    if (!all_read) {
      throw errors_reported{};
    }
    return out;
  }

  step step_of(const YAML::Node& n, const std::string& field, int depth) {
    if (++budget_.steps > max_steps) {
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
    w.path = r_.templated(url, url_node, url_field, value_escaping::url);
    if (w.name.empty()) {
      w.name = "WS " + url.substr(0, url.find('?'));
    }
    return w;
  }

  /// A subscription step's url as written, and as a template.
  struct subscription_url {
    std::string text;
    template_string path;
  };

  /// The url (short form, or `url:`) of a subscription step; checks the fields of the long form.
  /// `step_variables`: the names the step gives its own templates.
  subscription_url subscription_path(const YAML::Node& n, const std::string& field,
                                     field_names fields, field_names step_variables = {}) {
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
    auto url = path_of(url_node, url_field);
    auto path = r_.templated(url, url_node, url_field, value_escaping::url, step_variables);
    return {std::move(url), std::move(path)};
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
    auto [url, path] = subscription_path(n, field, fields);
    s.path = std::move(path);
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
    auto [url, path] = subscription_path(n, field, fields);
    l.request.path = std::move(path);
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
    auto [url, path] = subscription_path(n, field, fields, publish_variables);
    p.request.path = std::move(path);
    p.request.name = "PUBLISH " + url.substr(0, url.find('?'));
    p.rate = r_.number(r_.required(n, "rate", field, "messages per second, e.g. rate: 100"),
                       field + ".rate", false);
    if (n["name"]) {
      p.request.name = r_.name(n["name"], field + ".name");
    }
    if (n["headers"]) {
      p.request.headers = r_.headers(n["headers"], field + ".headers", publish_variables);
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
      return unquoted_numbers(charged(to_json(n, bytes).dump(), n, field), n, field);
    } catch (const json_too_large& e) {
      r_.fail(n, field, e.why);
    }
  }

  /// The JSON text with each string value that is exactly "{{name|number}}" made a bare
  /// {{name|number}}, which renders as the number itself.
  std::string unquoted_numbers(const std::string& text, const YAML::Node& n,
                               const std::string& field) {
    static const std::regex whole(R"re(\{\{\s*[^{}|]+?\s*\|\s*number\s*\}\})re");
    static const std::regex part(R"re(\{\{[^{}]*\|\s*number\s*\}\})re");
    std::string out;
    out.reserve(text.size());
    bool in_string = false;
    std::size_t string_start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (!in_string) {
        in_string = c == '"';
        string_start = out.size();
        out.push_back(c);
      } else if (c == '\\' && i + 1 < text.size()) {
        out.push_back(c);
        out.push_back(text[++i]);
      } else if (c == '"') {
        in_string = false;
        const auto content = out.substr(string_start + 1);
        if (std::regex_match(content, whole)) {
          out.replace(string_start, std::string::npos, content);
        } else if (std::regex_search(content, part)) {
          r_.fail(n, field,
                  "{{name|number}} must be a whole value, e.g. id: \"{{id|number}}\" (it sends "
                  "42, not \"42\")");
        } else {
          out.push_back(c);
        }
      } else {
        out.push_back(c);
      }
    }
    return out;
  }

  /// `text`, a body or message copied into a step, counted against the campaign's budget:
  /// aliases repeat bodies as well as steps, and each bound alone would let 100,000 aliased
  /// steps carry a megabyte each.
  std::string charged(std::string text, const YAML::Node& n, const std::string& field) {
    budget_.body_bytes += text.size();
    if (budget_.body_bytes > max_body_bytes) {
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
      s.message = r_.templated(charged(n.Scalar(), n, field), n, field);
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
      s.message = r_.templated(json_text(n["json"], field + ".json"), n["json"], field + ".json",
                               value_escaping::json);
    } else {
      const std::string key = n["text"] ? "text" : "binary";
      s.message =
          r_.templated(charged(r_.text(n[key], field + "." + key), n[key], field + "." + key),
                       n[key], field + "." + key);
      s.binary = key == "binary";
    }
    return s;
  }

  ws_expect_step ws_expect_of(const YAML::Node& n, const std::string& field) {
    ws_expect_step e;
    if (n.IsScalar()) {
      e.what = ws_expect_step::kind::text;
      e.pattern = r_.name(n, field);
      e.text = r_.templated(e.pattern, n, field);
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
      e.text = r_.templated(e.pattern, n["text"], field + ".text");
      e.description = "text '" + e.pattern + "'";
    } else if (n["regex"]) {
      e.what = ws_expect_step::kind::regex;
      e.pattern = read_regex(r_, n["regex"], field + ".regex");
      e.description = "regex '" + e.pattern + "'";
    } else {
      e.what = ws_expect_step::kind::json_path;
      e.pattern = read_json_path(r_, n["json"], field + ".json");
      e.equals = read_equals(r_, n, field);
      e.description = "json " + e.pattern + (e.equals ? " == " + e.equals->text() : " exists");
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
    r.method = core::to_upper(method);
    r.position = position_of(n);
    if (!n.IsScalar() && !n.IsMap()) {
      r_.fail(n, field,
              "expected a path like /items, or a mapping with url: and options, got " +
                  node_reader::describe(n));
    }
    const YAML::Node url_node =
        n.IsScalar() ? n : r_.required(n, "url", field, "the path to request, e.g. url: /items");
    const auto url_field = n.IsScalar() ? field : field + ".url";
    if (n.IsMap() && n["capture"]) {
      note_captured_names(r_, n["capture"]);
    }
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
        r.body = r_.templated(charged(n["body"].Scalar(), n["body"], field + ".body"), n["body"],
                              field + ".body");
      }
      if (n["json"]) {
        r.body = r_.templated(json_text(n["json"], field + ".json"), n["json"], field + ".json",
                              value_escaping::json);
        r.body_is_json = true;
      }
      if (n["timeout"]) {
        r.timeout = r_.length(n["timeout"], field + ".timeout", false);
      }
      if (n["expect_status"]) {
        r.expect_status = read_statuses(r_, n["expect_status"], field + ".expect_status");
      }
      if (n["max_redirects"]) {
        r.max_redirects = static_cast<std::uint32_t>(
            r_.count(n["max_redirects"], field + ".max_redirects", max_redirects));
      }
      if (n["checks"]) {
        const YAML::Node list = n["checks"];
        r_.expect_list(list, field + ".checks", false);
        for (std::size_t i = 0; i < list.size(); ++i) {
          r.checks.push_back(read_check(r_, list[i], index_path(field + ".checks", i)));
        }
      }
      if (n["capture"]) {
        const YAML::Node list = n["capture"];
        r_.expect_list(list, field + ".capture", false);
        for (std::size_t i = 0; i < list.size(); ++i) {
          r.captures.push_back(read_capture(r_, list[i], index_path(field + ".capture", i)));
        }
      }
    }
    const auto url = path_of(url_node, url_field);
    r.path = r_.templated(url, url_node, url_field, value_escaping::url);
    if (r.name.empty()) {
      r.name = r.method + " " + url.substr(0, url.find('?'));
    }
    return r;
  }

 private:
  const node_reader& r_;
  flow_budget& budget_;
};

}  // namespace

std::vector<step> read_flow(const node_reader& r, flow_budget& budget, const YAML::Node& n,
                            const std::string& field) {
  return step_reader(r, budget).flow(n, field, 0);
}

}  // namespace stampede::scenario::detail

// SPDX-License-Identifier: Apache-2.0
// The campaign model: what a campaign file (or quick-mode flags) asks stampede to do.
//
// This is plain data, produced by campaign_parser.hpp (YAML) or by the CLI's quick mode, checked
// once, then handed to the engine. Nothing here knows about sockets or threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scenario/template_string.hpp"

namespace stampede::scenario {

using duration = std::chrono::nanoseconds;

/// Where a value came from, for error messages ("quickstart.yaml:12: phases[0].users: ...").
struct source_position {
  int line = 0;  ///< 1-based; 0 when unknown (quick mode)
  int column = 0;
};

/// A header whose value may use {{variables}}.
struct header_field {
  std::string name;
  template_string value;
};

/// A check on a response; a failed check is counted (error class `check_failed`) but does not
/// stop the virtual user.
struct check {
  enum class kind {
    status,         ///< status code equals `expected` (e.g. "200")
    header,         ///< header `subject` exists, and equals `expected` when given
    body_contains,  ///< body contains `expected`
    json_path,      ///< JSON path `subject` exists in the body, and equals `expected` when given
    cookie,         ///< the user has cookie `subject`, and its value equals `expected` when given
  };
  kind what = kind::status;
  std::string subject;
  std::optional<template_string> expected;
  std::string description;  ///< as written in the file, for reports ("status == 200")
  /// What reports call it; empty: "scenario: step: description".
  std::string name;
};

/// A value taken from a response into a per-user variable, used later as {{variable}}.
struct capture {
  enum class kind {
    json_path,  ///< `expression` is a JSON path like $.token or $.items[0].id
    header,     ///< `expression` is a header name (case-insensitive)
    regex,      ///< `expression` is an RE2 regex on the body; group 1 (or the match)
    cookie,     ///< `expression` is the name of a cookie the user holds after the response
  };
  kind from = kind::json_path;
  std::string expression;
  std::string variable;
};

/// One HTTP request.
struct request_step {
  std::string name;      ///< metric name of the step; defaults to "METHOD path"
  std::string method;    ///< upper case: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS
  template_string path;  ///< origin-form path with query, e.g. /delay?ms=20
  std::vector<header_field> headers;
  std::optional<template_string> body;  ///< raw body, or the serialised `json:` value
  bool body_is_json = false;            ///< adds Content-Type: application/json when not set
  std::vector<check> checks;
  std::vector<capture> captures;
  std::optional<duration> timeout;  ///< overrides defaults.request_timeout
  /// The statuses that are not failures (k6's expectedStatuses); empty: defaults.expect_status,
  /// or every status below 400 when that is empty too.
  std::vector<int> expect_status;
  /// Redirects followed before the last 3xx answer is the step's; unset: defaults.max_redirects.
  std::optional<std::uint32_t> max_redirects;
  source_position position;
};

/// Pause the virtual user: fixed when min == max, else uniformly random in [min, max].
struct think_step {
  duration min{};
  duration max{};
};

/// WebSocket: open a connection to `path` on the target (ws:// or wss:// by its scheme). A
/// user holds at most one; opening another closes the first.
struct ws_open_step {
  std::string name;  ///< metric name; defaults to "WS path"
  template_string path;
  std::vector<header_field> headers;
  source_position position;
};

/// WebSocket: send one message.
struct ws_send_step {
  template_string message;
  bool binary = false;
};

/// WebSocket: wait for a message matching text (contained), regex or a JSON path (equal to
/// `equals` when given); other messages are counted and skipped. No match within `timeout`
/// is an error (request_timeout). The time from the last send to the match is the round trip.
struct ws_expect_step {
  enum class kind { any, text, regex, json_path };
  kind what = kind::any;
  std::string pattern;   ///< the text, regex or JSON path
  template_string text;  ///< kind::text: the pattern, its {{variables}} rendered as for send
  std::optional<template_string> equals;
  duration timeout = std::chrono::seconds(10);
  std::string description;  ///< "text 'hello'", for messages
};

/// WebSocket: stay connected for `length`, reading (and counting) what arrives and answering
/// pings.
struct ws_hold_step {
  duration length{};
};

/// WebSocket: close the connection (close handshake).
struct ws_close_step {};

/// Server-sent events: subscribe to `path` on a connection of its own and read events until
/// `events` arrived or `duration` passed (or the phase ends), then unsubscribe. Counts events
/// and the gaps between them.
struct sse_step {
  std::string name;  ///< metric name; defaults to "SSE path"
  template_string path;
  std::vector<header_field> headers;
  std::optional<std::uint64_t> events;
  std::optional<duration> duration_;
  std::optional<duration> timeout;  ///< for the subscription's answer; default request_timeout
  source_position position;
};

/// Long polling: GET `path` again as soon as each answer comes (200: a message; 204 or other:
/// none), `polls` times or for `duration` (or until the phase ends). Each poll is an HTTP
/// request; the time from an answer to the next poll is the reconnect gap.
struct longpoll_step {
  request_step request;  ///< GET path, name "LONGPOLL path", headers, timeout
  std::optional<std::uint64_t> polls;
  std::optional<duration> duration_;
};

/// Push: POST a stamped message to `request.path` at `rate` messages per second, `count`
/// messages or for `duration` (or until the phase ends). {{channel}} takes the values 0 ..
/// channels-1 in turn, so one publisher spreads over several channels. The body is a stamp
/// (stream, sequence number, send time; see push/push_stamp.hpp) padded to `size` bytes, which
/// the ws, sse and longpoll steps of subscribers recognise in what they receive.
struct publish_step {
  request_step request;  ///< POST path, name "PUBLISH path", headers, timeout
  double rate = 1;
  std::uint32_t channels = 1;
  std::optional<std::uint64_t> count;
  std::optional<duration> duration_;
  std::uint64_t size = 0;
};

struct loop_step;

using step =
    std::variant<request_step, think_step, loop_step, ws_open_step, ws_send_step, ws_expect_step,
                 ws_hold_step, ws_close_step, sse_step, longpoll_step, publish_step>;

/// Repeat `flow` `count` times.
struct loop_step {
  std::uint32_t count = 1;
  std::vector<step> flow;
};

/// What a user does with the cookies its responses set.
enum class cookie_policy {
  keep,                  ///< one jar per user, for the whole run
  reset_each_iteration,  ///< emptied before each iteration
  off,                   ///< no jar: nothing stored, nothing sent
};

struct scenario {
  std::string name;
  std::uint32_t weight = 1;  ///< relative share of iterations
  std::vector<step> flow;
  /// Run once per user, before its first iteration of this scenario (Locust's on_start: log in
  /// once, not every iteration); empty: none.
  std::vector<step> setup;
  /// When set: in closed and steps phases, exactly this many users run this scenario (the
  /// lowest-numbered users, in the order of the scenarios), whatever the weights; other users
  /// and open or throughput phases pick among the scenarios without it.
  std::optional<std::uint64_t> fixed_users;
  std::optional<cookie_policy> cookies;  ///< overrides defaults.cookies
};

/// How long a phase that ends by iterations may run when no duration caps it.
inline constexpr auto iterations_cap = std::chrono::hours(24);

/// Closed model: a fixed population of users, each iterating back-to-back or at a pace.
struct closed_model {
  std::uint64_t users = 1;
  std::optional<duration> ramp;  ///< users start linearly over this time
  std::optional<duration> pace;  ///< when set, each iteration starts `pace` after the last
  /// Each user runs this many iterations, then stops; the phase ends when all have (its
  /// duration is then a cap).
  std::optional<std::uint64_t> iterations;
  /// The phase's users run this many iterations between them (k6's shared iterations; quick
  /// mode -n), then the phase ends.
  std::optional<std::uint64_t> total_iterations;
  bool ends_by_iterations() const { return iterations || total_iterations; }
};

/// Open model: new iterations arrive at a rate, whatever the server does.
struct open_model {
  double arrival_rate = 1;                 ///< iterations per second at the start
  std::optional<double> ramp_to;           ///< linear change to this rate by the end of the phase
  std::optional<std::uint64_t> max_users;  ///< concurrent iterations cap; beyond it: dropped
};

/// Constant throughput: `rate` requests per second over `connections` connections; latency is
/// measured from each request's intended send time (coordinated-omission correction).
struct throughput_model {
  double rate = 1;
  std::uint64_t connections = 1;
};

/// Steps: 10, then 20, then 30 users (quick mode -u 10:20:30); each step lasts
/// `step_duration`.
struct steps_model {
  std::vector<std::uint64_t> users;
  duration step_duration{};  ///< with iterations: each step's cap
  /// Each user of each step runs this many iterations; the next step starts when all have.
  std::optional<std::uint64_t> iterations;
};

/// Connections: open `connections` connections, `connect_rate` per second (or as fast as they
/// go), and hold them until the phase ends, silent or with a keep-alive request every `ping`.
/// The phase lasts connections / connect_rate + hold. No scenario runs: the connections are
/// the load.
struct connections_model {
  std::uint64_t connections = 1;
  std::optional<double> connect_rate;
  duration hold{};
  std::optional<duration> ping;
  std::string ping_path = "/";
  /// Set: each connection upgrades to a WebSocket on this path and is held as one (pings are
  /// then ping frames); empty: plain HTTP/1.1 connections.
  std::string websocket;
};

using workload =
    std::variant<closed_model, open_model, throughput_model, steps_model, connections_model>;

struct phase {
  std::string name;
  duration length{};  ///< for steps_model: users.size() * step_duration
  workload model;
  /// How long iterations still running at the phase's end may go on before they are
  /// interrupted (their connections closed) and counted as interrupted.
  duration graceful_stop = std::chrono::seconds(5);
  source_position position;
};

/// A CSV data feeder: each virtual user takes the next row; columns become variables.
struct data_feeder {
  std::string file;                  ///< as resolved against the campaign's directory
  std::vector<std::string> columns;  ///< from the header row
  std::vector<std::vector<std::string>> rows;
  bool random_order = false;  ///< `order: random`; default sequential
  source_position position;   ///< of `data.file` in the campaign
};

/// What a threshold measures, when not the whole run: `{scenario=checkout}`,
/// `{step="POST /orders"}`, `{status=5xx}`, or a step with a status class. Empty: no filter.
struct threshold_scope {
  std::string scenario;  ///< a scenario's name
  std::string step;      ///< a step's name as the summary lists it ("GET /", or its `name:`)
  std::string status;    ///< a status code ("500") or class ("5xx")

  bool empty() const { return scenario.empty() && step.empty() && status.empty(); }
};

/// "http.latency.p95 < 200ms", parsed.
struct threshold {
  std::string expression;  ///< as written
  std::string metric;      ///< e.g. "http.latency.p95", "http.error_rate", "checks.rate"
  threshold_scope scope;
  enum class comparison { less, less_equal, greater, greater_equal, equal } op = comparison::less;
  double value = 0;  ///< in the metric's unit: milliseconds for latency, a ratio for rates
  /// Checked every second while the run goes on (once `delay` from the run's start has
  /// passed); the first failure stops the run.
  bool abort_on_fail = false;
  duration delay{};
  source_position position;
};

struct defaults {
  std::vector<header_field> headers;
  duration connect_timeout = std::chrono::seconds(10);
  duration request_timeout = std::chrono::seconds(30);
  bool insecure = false;  ///< skip TLS certificate verification
  /// The statuses that are not failures, for requests without expect_status of their own;
  /// empty: every status below 400.
  std::vector<int> expect_status;
  cookie_policy cookies = cookie_policy::keep;
  /// Redirects (301, 302, 303, 307, 308) followed per request step; 0: none.
  std::uint32_t max_redirects = 10;
  // HTTP/2 only (h2c:// and h2:// targets).
  std::uint32_t streams = 1;  ///< users sharing one connection, each with a stream in flight
  std::uint32_t window_size = 1u << 20;             ///< per stream, bytes
  std::uint32_t connection_window_size = 1u << 24;  ///< per connection, bytes
};

/// What a distributed run does when an agent is lost mid-run.
enum class agent_loss_policy {
  rebalance,  ///< the surviving agents take over its share
  continue_,  ///< the run goes on without its share
  abort,      ///< the run stops
};

/// One of the campaign's `outputs:`, as --out takes it (KIND=TARGET), checked by the run.
struct campaign_output {
  std::string spec;
  int line = 0;  ///< 1-based, for errors
};

/// One of the campaign's `monitor:` entries: a process of the system under test to sample each
/// second. Exactly one of pid, process and cgroup is set.
struct campaign_monitor {
  std::string name;  ///< empty: named after what it watches
  std::int64_t pid = 0;
  std::string process;
  std::string cgroup;
  int line = 0;  ///< 1-based, for errors
};

struct campaign {
  std::string name;    ///< from `name:` or the file name
  std::string target;  ///< base URL: http(s)://host:port, or h2c:// or h2:// for HTTP/2
  defaults defaults_;
  std::vector<phase> phases;
  std::vector<scenario> scenarios;
  std::vector<threshold> thresholds;
  std::optional<data_feeder> data;
  std::optional<std::uint32_t> threads;  ///< worker threads; unset = cores
  agent_loss_policy on_agent_loss = agent_loss_policy::rebalance;
  std::vector<campaign_output> outputs;    ///< `outputs:`, honoured by local runs
  std::vector<campaign_monitor> monitors;  ///< `monitor:`, honoured by local runs
  std::string source_text;                 ///< the file as read, stored with the run
  std::string source_file;                 ///< path as given, for messages
};

}  // namespace stampede::scenario

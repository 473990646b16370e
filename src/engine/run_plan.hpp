// SPDX-License-Identifier: Apache-2.0
// A campaign compiled for running: steps flattened with their metric slots, headers merged,
// phases placed on the run's timeline, the target resolved. Built once, then read-only and
// shared by every worker.
#pragma once

#include <bitset>
#include <chrono>
#include <cstdint>
#include <memory>

#include <string>
#include <variant>
#include <vector>

#include "metrics/metric_set.hpp"
#include "net/connector.hpp"
#include "net/url.hpp"
#include "protocol/common/session.hpp"
#include "scenario/campaign.hpp"
#include "scenario/regex.hpp"

namespace stampede::engine {

struct compiled_header {
  std::string name;
  scenario::template_string value;
};

struct compiled_check {
  const scenario::check* spec = nullptr;
  std::size_t index = 0;  ///< into metric_layout::checks
};

struct compiled_capture {
  const scenario::capture* spec = nullptr;
  std::shared_ptr<const scenario::regex> regex;  ///< compiled once, for regex captures
};

struct compiled_request {
  const scenario::request_step* spec = nullptr;
  std::size_t metric_index = 0;          ///< into metric_layout::steps
  std::vector<compiled_header> headers;  ///< defaults, then the step's (later names win)
  std::chrono::nanoseconds timeout{};
  /// The statuses that are not failures: every status below 400 unless the step or the
  /// defaults give expect_status.
  std::bitset<metrics::status_code_slots> ok_statuses;
  bool keep_headers = false;
  bool keep_body = false;
  /// The user's cookie jar takes this request's Set-Cookie fields and gives it a Cookie field
  /// (the scenario's cookies are not off).
  bool cookies = false;
  /// A check or capture reads a cookie: the response's Set-Cookie fields are read even with
  /// cookies off (into a jar emptied first, never sent).
  bool reads_cookies = false;
  std::uint32_t max_redirects = 0;  ///< 3xx answers followed; 0: the first answer is final
  /// Any of the three above: the response's Set-Cookie and Location fields are kept.
  bool keep_session_fields = false;
  /// The target's host, lower case (cookies' domain), and whether it is https (Secure cookies);
  /// a view into the plan.
  std::string_view origin_host;
  bool secure_origin = false;
  std::vector<compiled_check> checks;
  std::vector<compiled_capture> captures;
  /// When no header needs rendering: the headers as views into this plan, built once the plan
  /// stops moving, so a request costs no header copying.
  bool literal_headers = false;
  std::vector<protocol::header_view> header_views;
  /// Path, headers and body are all literal: the whole request is the same every time.
  bool literal = false;
  /// Some header is rendered, or the path holds a `|raw` value: what is rendered must be
  /// checked before it goes out.
  bool check_rendered = false;
};

struct compiled_think {
  std::chrono::nanoseconds min{};
  std::chrono::nanoseconds max{};
};

/// A WebSocket step (ws, send, expect, hold, close), pointing at its campaign step.
struct compiled_ws {
  const scenario::step* spec = nullptr;          ///< one of the scenario::ws_* alternatives
  std::size_t metric_index = 0;                  ///< ws: its name's slot (handshake time)
  std::vector<compiled_header> headers;          ///< ws: defaults, then the step's
  std::chrono::nanoseconds timeout{};            ///< ws, send, close: defaults.request_timeout
  std::shared_ptr<const scenario::regex> regex;  ///< expect with regex:
};

/// Server-sent events subscription.
struct compiled_sse {
  const scenario::sse_step* spec = nullptr;
  std::size_t metric_index = 0;          ///< its name's slot: time to the subscription's answer
  std::vector<compiled_header> headers;  ///< defaults, then the step's
  std::chrono::nanoseconds timeout{};
};

/// Long polling: one request, repeated.
struct compiled_longpoll {
  const scenario::longpoll_step* spec = nullptr;
  compiled_request request;
};

/// Push publisher: stamped POSTs at a rate (the request is never literal: each body differs).
struct compiled_publish {
  const scenario::publish_step* spec = nullptr;
  compiled_request request;
};

struct compiled_loop;
using compiled_step = std::variant<compiled_request, compiled_think, compiled_loop, compiled_ws,
                                   compiled_sse, compiled_longpoll, compiled_publish>;

struct compiled_loop {
  std::uint32_t count = 1;
  std::vector<compiled_step> flow;
};

struct compiled_scenario {
  std::string name;
  std::uint32_t weight = 1;
  std::size_t index = 0;  ///< into metric_layout::scenarios
  std::vector<compiled_step> flow;
  std::vector<compiled_step> setup;  ///< once per user, before its first iteration of it
  /// Closed and steps phases: users [first_fixed_user, first_fixed_user + fixed_users) run
  /// only this scenario; 0 fixed users = picked by weight.
  std::uint64_t first_fixed_user = 0;
  std::uint64_t fixed_users = 0;
  scenario::cookie_policy cookies = scenario::cookie_policy::keep;
};

struct phase_plan {
  std::string name;
  std::chrono::nanoseconds start{};  ///< offset from the run start
  std::chrono::nanoseconds length{};
  scenario::workload model;
  /// The phase ends when its iterations ran (length is then a cap): `iterations` or
  /// `total_iterations` (quick mode -n, -i), and steps by iterations, one phase per step.
  bool ends_by_iterations = false;
  std::uint64_t iterations = 0;  ///< the phase's iterations in all, when it ends by them
  /// Iterations running at the phase's end get this long, then are interrupted.
  std::chrono::nanoseconds graceful_stop = std::chrono::seconds(5);
  /// Consecutive closed phases are one population (population_schedule.hpp): the users of the
  /// closed phase before this one (0 when there is none), whose state its users keep.
  std::uint64_t users_before = 0;
  /// The users running at the end of the phase before go on into this one without a pause:
  /// both are closed and the one before ends by time, not iterations.
  bool continues_users = false;
};

/// The iterations worker `index` of `count` runs in a phase that ends by iterations (0 in any
/// other): its users' counts, or its part of a shared count. Only workers with users take part
/// in a shared count, so -c 1 -n 10 on two threads still runs 10.
std::uint64_t worker_iterations(const phase_plan& phase, std::uint32_t index, std::uint32_t count);

/// Settings that come from the command line rather than the campaign.
struct run_options {
  unsigned threads = 0;  ///< 0 = campaign's, else the number of cores
  std::string bind;      ///< --bind source addresses
  /// False on a controller, which plans and merges but never connects: the agents resolve.
  bool resolve = true;
};

struct run_plan {
  scenario::campaign campaign;
  net::url target;
  std::string origin_host;  ///< target.host in lower case, as cookies name it
  net::connect_settings connect;
  unsigned threads = 1;
  metrics::metric_layout layout;
  std::vector<compiled_scenario> scenarios;
  std::vector<phase_plan> phases;
  std::chrono::nanoseconds total_length{};  ///< sum of the phases' lengths

  /// Compiles `c`. Resolves the target host (once, here). Throws std::runtime_error with a
  /// message fit for the user ("cannot resolve host 'x': ...").
  static std::shared_ptr<const run_plan> build(scenario::campaign c, const run_options& options);
};

}  // namespace stampede::engine

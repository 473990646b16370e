// SPDX-License-Identifier: Apache-2.0
// The flow interpreter: walks a user's iteration over its scenario's steps (requests, think
// times, loops, checks and captures; WebSocket, server-sent event, long-poll and publish steps)
// and records what each did. The worker decides when users run; this decides what they do.
//
// Files: flow_interpreter.cpp (the walk, sleeps, gauges), flow_request.cpp (rendering, sending
// and counting requests), flow_session_state.cpp (cookies, redirects), flow_websocket.cpp,
// flow_sse.cpp, flow_longpoll.cpp, flow_publish.cpp.
//
// Thread-safety: none; one interpreter per worker, used on its io_context's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "engine/rendered_request_check.hpp"
#include "engine/run_plan.hpp"
#include "engine/schedule.hpp"
#include "engine/session_registry.hpp"
#include "engine/virtual_user.hpp"
#include "metrics/metric_set.hpp"
#include "net/connector.hpp"

namespace stampede::engine {

/// A scheduled send that leaves later than this is counted as a late start.
inline constexpr auto late_start_tolerance = std::chrono::milliseconds(1);

/// What a flow needs of the phase it runs in.
struct flow_phase {
  using clock = std::chrono::steady_clock;

  std::size_t index = 0;
  clock::time_point start{};
  clock::time_point end{};
  /// Constant throughput: every request waits for its send time from this worker's slice of
  /// the phase's schedule. Null otherwise.
  slice_dispatcher* paced = nullptr;
};

/// The worker's state a flow reads and records into; the worker owns all of it.
struct flow_context {
  boost::asio::io_context& ctx;
  net::connector& connector;
  const run_plan& plan;
  metrics::metric_set& metrics;  ///< the current interval's
  const std::uint64_t& active_users;
  std::uint64_t& open_connections;
  const bool& stopping;
  std::mt19937_64& rng;
};

class flow_interpreter {
 public:
  using clock = std::chrono::steady_clock;

  explicit flow_interpreter(flow_context context);

  /// Runs `flow` for `vu`; false when the iteration ended early (a failure that ends it, the
  /// phase's end, a stop).
  boost::asio::awaitable<bool> run(virtual_user& vu, const std::vector<compiled_step>& flow,
                                   const flow_phase& ph);

  /// The request of a step, its views into the step and the user's buffers. `body`, when not
  /// empty, is sent instead of the step's own.
  static protocol::request render_request(virtual_user& vu, const compiled_request& req,
                                          std::string_view body);
  /// A rendered value that would break the request (rendered_request_check.hpp) fails it here,
  /// unsent, as invalid_request in vu.result: true then, and the caller sends nothing.
  static bool refuse_unsendable(virtual_user& vu, const compiled_request& req,
                                const protocol::request& out);
  /// Counts the exchange just made (vu.result, vu.response), runs checks and captures; false
  /// when it was cut short and the iteration ends. `intended`: a paced request's send time.
  /// `chain_start`: the step's start when this is the last answer of a redirect chain.
  bool record_exchange(virtual_user& vu, const compiled_request& req, const protocol::request& out,
                       std::optional<clock::time_point> intended,
                       std::optional<clock::time_point> chain_start = std::nullopt);

  /// After an exchange: stores the cookies the response set, and says whether it is a redirect
  /// the step follows (then follow_redirects() records it; otherwise record_exchange()).
  static bool take_session_state(virtual_user& vu, const compiled_request& req,
                                 std::string_view target);
  /// Follows the redirect in vu.response hop by hop, each a request of the step, and records
  /// the last answer as the step's; false when the iteration ends.
  boost::asio::awaitable<bool> follow_redirects(virtual_user& vu, const compiled_request& req,
                                                protocol::request out,
                                                std::optional<clock::time_point> intended);

  /// Sleeps until `when`, or less when the phase ends or the worker stops. True when the user
  /// should go on.
  boost::asio::awaitable<bool> sleep_until(virtual_user& vu, clock::time_point when,
                                           const flow_phase& ph);
  /// The phase has not ended and the worker is not stopping.
  bool active(const flow_phase& ph) const;
  /// Records the gauges' peaks of the interval so far.
  void sample_gauges();
  /// A scheduled send left `lag` after its time: a late start when beyond the tolerance.
  void record_lag(clock::duration lag);

 private:
  boost::asio::awaitable<bool> run_request(virtual_user& vu, const compiled_request& req,
                                           const flow_phase& ph);
  /// A WebSocket step; false ends the iteration (a socket that failed or is missing).
  boost::asio::awaitable<bool> run_ws(virtual_user& vu, const compiled_ws& step,
                                      const flow_phase& ph);
  boost::asio::awaitable<bool> run_sse(virtual_user& vu, const compiled_sse& step,
                                       const flow_phase& ph);
  boost::asio::awaitable<bool> run_longpoll(virtual_user& vu, const compiled_longpoll& step,
                                            const flow_phase& ph);
  /// Stamped publishes at the step's rate; false ends the iteration.
  boost::asio::awaitable<bool> run_publish(virtual_user& vu, const compiled_publish& step,
                                           const flow_phase& ph);
  /// Adds the user's cookies for `out`'s target to `out`'s headers (vu.headers_with_cookie).
  static void add_cookie_field(virtual_user& vu, const compiled_request& req,
                               protocol::request& out);
  /// A followed redirect's answer: counted as a request of the step, no checks.
  bool record_redirect_hop(virtual_user& vu, const compiled_request& req,
                           std::optional<clock::time_point> intended);
  /// The bytes, connections and HTTP/2 counts of an exchange.
  void count_transfer(const protocol::exchange_result& r);
  /// Renders headers into the user's buffers and views (vu.header_views).
  static void render_headers(virtual_user& vu, const std::vector<compiled_header>& headers);
  static bool ws_matches(const scenario::ws_expect_step& expect, const compiled_ws& w,
                         const std::string& data, virtual_user& vu);
  /// A step that opens a stream (ws, sse) with a value that would break its request: counted
  /// here, nothing is sent.
  void record_unsendable(const unsendable& why, std::string_view step);
  /// A connection a stream step opened: its connect and TLS times.
  void record_connect(std::chrono::nanoseconds connect_time, std::chrono::nanoseconds tls_time);
  metrics::metric_set& metrics() { return c_.metrics; }

  flow_context c_;
  websocket_factory make_websocket_;
  event_stream_factory make_event_stream_;
};

}  // namespace stampede::engine

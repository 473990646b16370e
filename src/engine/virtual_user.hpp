// SPDX-License-Identifier: Apache-2.0
// One simulated user: its connection (session), its variables and the buffers it reuses for
// every request, so that steady-state requests allocate nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list_hook.hpp>

#include "engine/cookie_jar.hpp"
#include "protocol/common/event_source.hpp"
#include "protocol/common/message_socket.hpp"
#include "protocol/common/session.hpp"
#include "push/delivery_tracker.hpp"
#include "scenario/template_string.hpp"

namespace stampede::engine {

/// Per-user variables: CSV feeder columns and captured values, read by {{name}} templates.
/// A flat vector: users hold a handful of variables, and a scan beats hashing at that size.
class user_variables final : public scenario::variable_source {
 public:
  const std::string* find(std::string_view name) const override {
    for (const auto& [k, v] : values_) {
      if (k == name) {
        return &v;
      }
    }
    return nullptr;
  }
  void set(std::string_view name, std::string value) {
    for (auto& [k, v] : values_) {
      if (k == name) {
        v = std::move(value);
        return;
      }
    }
    values_.emplace_back(std::string(name), std::move(value));
  }

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

using auto_unlink_hook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

/// Thread-safety: none; a user lives on one worker's io_context. Linked into the worker's list
/// of live users (unlinks itself when destroyed) so a stop can wake and close every one.
struct compiled_scenario;

struct virtual_user : auto_unlink_hook {
  virtual_user(boost::asio::io_context& ctx, std::uint64_t user_id,
               std::shared_ptr<protocol::session> s)
      : id(user_id), session(std::move(s)), timer(ctx) {}
  ~virtual_user() {
    if (session) {
      session->close();
    }
    if (ws) {
      ws->abort();
    }
    if (sse) {
      sse->close();
    }
    if (counted_connection && open_connections != nullptr) {
      --*open_connections;
    }
  }

  /// Keeps the worker's count of open connections in step with this user's session; called
  /// after each exchange, so counting costs nothing per idle connection.
  void track_connection() {
    const bool now = session->connected();
    if (now != counted_connection && open_connections != nullptr) {
      now ? ++*open_connections : --*open_connections;
      counted_connection = now;
    }
  }
  virtual_user(const virtual_user&) = delete;
  virtual_user& operator=(const virtual_user&) = delete;

  std::uint64_t id;
  std::shared_ptr<protocol::session> session;
  boost::asio::steady_timer timer;  ///< think times, pacing, schedule waits
  user_variables variables;
  std::uint64_t* open_connections = nullptr;  ///< the worker's gauge
  bool counted_connection = false;
  /// Set for the users a scenario's fixed_users claims: every iteration runs that scenario.
  const compiled_scenario* fixed_scenario = nullptr;
  std::size_t scenario = 0;  ///< the running iteration's, into metric_layout::scenarios
  std::size_t phase = 0;     ///< the phase the user runs in
  /// Its phase's graceful stop ran out while it was busy: its connections were closed, and
  /// what fails because of that is no error.
  bool interrupted = false;
  /// The scenarios whose setup this user has run to its end (by metric_layout::scenarios).
  std::vector<bool> set_up;

  /// Push: the user's subscription (ws, sse or longpoll) stream positions, shared with its
  /// WebSocket reader, which records messages as they arrive.
  /// Made by the first subscription step.
  std::shared_ptr<push::delivery_tracker> deliveries;
  push::delivery_tracker& subscription() {
    if (!deliveries) {
      deliveries = std::make_shared<push::delivery_tracker>();
    }
    return *deliveries;
  }
  /// Push: as a publisher, the next sequence number of each stream (path) it publishes to.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> publish_sequences;

  // Reused across requests.
  protocol::response response;
  protocol::exchange_result result;
  /// WebSocket steps: the user's socket (made at its first ws: step) and when it last sent,
  /// for the round trip of the next expect.
  std::shared_ptr<protocol::message_socket> ws;
  std::optional<std::chrono::steady_clock::time_point> ws_sent_at;
  /// The event stream an sse step is reading, so a stop can end it.
  std::shared_ptr<protocol::event_source> sse;
  /// The first variable the last rendered request needed and the user does not have; empty:
  /// none (a view into the plan's templates).
  std::string_view missing_variable;
  std::string target_buffer;
  std::string body_buffer;
  std::vector<std::string> header_buffers;
  std::vector<protocol::header_view> header_views;

  /// The user's cookies (unless its scenario's cookies are off); the Cookie field rendered
  /// from them and the request's headers with it.
  cookie_jar cookies;
  std::string cookie_field;
  std::vector<protocol::header_view> headers_with_cookie;
  /// A redirect chain: the next hop's target and the headers it keeps.
  std::string redirect_target;
  std::vector<protocol::header_view> redirect_headers;
};

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// One worker's HTTP/2 connections, shared by its users: each connection carries up to
// `streams` users' exchanges at once, as h2load's -m does. Users fill connections in order, so
// U users on a worker open ceil(U / streams) connections; a connection closes when its last
// user is gone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "net/connector.hpp"
#include "protocol/common/session.hpp"
#include "protocol/http2/h2_link.hpp"

namespace stampede::protocol::http2 {

/// One connection place in the pool: the link in use (replaced when it breaks or receives a
/// GOAWAY) and the sessions sharing it.
struct h2_slot {
  std::shared_ptr<h2_link> link;
  std::uint32_t sessions = 0;
  /// A session is opening `link`; the others wait, woken through their own stream_call.
  bool opening = false;
  std::vector<stream_call*> waiting;
  std::uint64_t attempts = 0;  ///< opens finished, so a waiter knows its open is done
  bool last_open_failed = false;
  metrics::error_class failure_class = metrics::error_class::other;
  std::string failure_message;
  /// The session that counts this connection in the open-connections gauge.
  const session* owner = nullptr;
  /// GOAWAYs received on links already replaced, not yet reported.
  std::uint64_t pending_goaways = 0;
};

/// Thread-safety: none; one pool per worker, used on its io_context.
class h2_pool : public std::enable_shared_from_this<h2_pool> {
 public:
  h2_pool(h2_settings settings, std::uint32_t streams_per_connection);

  /// A session for one user, sharing a connection with up to streams - 1 others.
  std::shared_ptr<session> make_session(boost::asio::io_context& ctx, net::connector& connector);

  const h2_settings& settings() const { return settings_; }
  /// Called by a session when it is destroyed.
  void detach(const std::shared_ptr<h2_slot>& slot) noexcept;
  std::size_t connection_slots() const { return slots_.size(); }

 private:
  h2_settings settings_;
  std::uint32_t streams_;
  std::vector<std::shared_ptr<h2_slot>> slots_;
};

}  // namespace stampede::protocol::http2

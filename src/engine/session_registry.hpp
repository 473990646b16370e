// SPDX-License-Identifier: Apache-2.0
// The one place that knows which protocol serves a target: maps a run plan to the sessions
// its users open. Everything else in the engine sees only protocol::session.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "net/connector.hpp"
#include "protocol/common/session.hpp"
#include "protocol/websocket/ws_client.hpp"

namespace stampede::engine {

struct run_plan;

using session_factory =
    std::function<std::shared_ptr<protocol::session>(boost::asio::io_context&, net::connector&)>;

session_factory make_session_factory(const run_plan& plan);

/// A user's WebSocket client; `on_message` is told the size of each message received.
using websocket_factory = std::function<std::shared_ptr<protocol::websocket::ws_client>(
    boost::asio::io_context&, net::connector&,
    protocol::websocket::ws_client::message_observer on_message)>;

websocket_factory make_websocket_factory(const run_plan& plan);

}  // namespace stampede::engine

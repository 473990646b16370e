// SPDX-License-Identifier: Apache-2.0
// The one place that knows which protocol serves a target: maps a run plan to the sessions
// its users open. Everything else in the engine sees only protocol::session.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "net/connector.hpp"
#include "protocol/common/session.hpp"
#include "protocol/http1/event_stream.hpp"
#include "protocol/websocket/ws_client.hpp"

namespace stampede::engine {

struct run_plan;

using session_factory =
    std::function<std::shared_ptr<protocol::session>(boost::asio::io_context&, net::connector&)>;

session_factory make_session_factory(const run_plan& plan);

/// A user's WebSocket client; `on_message` sees each message received.
using websocket_factory = std::function<std::shared_ptr<protocol::websocket::ws_client>(
    boost::asio::io_context&, net::connector&,
    protocol::websocket::ws_client::message_observer on_message)>;

websocket_factory make_websocket_factory(const run_plan& plan);

/// A server-sent event subscription, on a connection of its own.
using event_stream_factory = std::function<std::shared_ptr<protocol::http1::event_stream>(
    boost::asio::io_context&, net::connector&)>;

event_stream_factory make_event_stream_factory(const run_plan& plan);

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// The one place that knows which protocol serves a target: maps a run plan to the sessions
// its users open, the message sockets and event sources of its stream steps, and what its held
// connections say. Everything else in the engine sees only the interfaces of protocol/common:
// sessions, message sockets, event sources and hold codecs.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "net/connector.hpp"
#include "protocol/common/event_source.hpp"
#include "protocol/common/hold_codec.hpp"
#include "protocol/common/message_socket.hpp"
#include "protocol/common/session.hpp"

namespace stampede::scenario {
struct connections_model;
}  // namespace stampede::scenario

namespace stampede::engine {

struct run_plan;

using session_factory =
    std::function<std::shared_ptr<protocol::session>(boost::asio::io_context&, net::connector&)>;

session_factory make_session_factory(const run_plan& plan);

/// A user's WebSocket; `on_message` sees each message received.
using websocket_factory = std::function<std::shared_ptr<protocol::message_socket>(
    boost::asio::io_context&, net::connector&, protocol::message_observer on_message)>;

websocket_factory make_websocket_factory(const run_plan& plan);

/// A server-sent event subscription, on a connection of its own.
using event_stream_factory = std::function<std::shared_ptr<protocol::event_source>(
    boost::asio::io_context&, net::connector&)>;

event_stream_factory make_event_stream_factory(const run_plan& plan);

/// What a connections phase's held connections say: a WebSocket with `websocket:`, HTTP/2 (prior
/// knowledge) against an h2c:// target, else HTTP/1.1 with keep-alive pings of `ping_path`.
std::shared_ptr<const protocol::hold_codec> make_hold_codec(
    const run_plan& plan, const scenario::connections_model& model);

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
// The built-in target's WebSocket endpoints (Beast): /ws/echo sends every message back as it
// came (text or binary), /ws/pubsub?channel=NAME delivers what POST /publish?channel=NAME is
// given. Oversized messages close with 1009 and invalid UTF-8 in text with 1007, by Beast.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "target/detail/request_reader.hpp"
#include "target/detail/streams.hpp"
#include "target/pubsub_hub.hpp"
#include "target/target_stats.hpp"

namespace stampede::target {

/// Largest message the target reads; a bigger one closes the connection (1009).
inline constexpr std::size_t max_websocket_message = 16 * 1024 * 1024;

/// Completes the handshake of `req` (already read, an upgrade to WebSocket) and serves the
/// endpoint `path` until either side closes.
boost::asio::awaitable<void> serve_websocket(detail::tcp_stream socket, const detail::request& req,
                                             std::string_view path, std::string_view query,
                                             target_stats& stats, pubsub_hub& hub);
/// The same over TLS (wss://).
boost::asio::awaitable<void> serve_websocket(detail::tls_stream socket, const detail::request& req,
                                             std::string_view path, std::string_view query,
                                             target_stats& stats, pubsub_hub& hub);

}  // namespace stampede::target

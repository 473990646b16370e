// SPDX-License-Identifier: Apache-2.0
// The built-in target's HTTP/2 side (nghttp2): h2c with prior knowledge on the same port as
// HTTP/1.1. A connection whose first bytes are the HTTP/2 client preface is handed here and
// answers the same endpoints, counted in the same stats, each stream on its own.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "target/detail/streams.hpp"
#include "target/pubsub_hub.hpp"
#include "target/target_stats.hpp"

namespace stampede::target {

/// What an HTTP/2 client sends first (RFC 9113, section 3.4).
inline constexpr std::string_view h2_client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Serves HTTP/2 on `stream` until either side ends the connection. `already_read` holds the
/// bytes read before the protocol was known (the preface and whatever followed it).
boost::asio::awaitable<void> serve_h2(detail::tcp_stream& stream, std::string_view already_read,
                                      target_stats& stats, pubsub_hub& hub);
/// The same over TLS (ALPN h2).
boost::asio::awaitable<void> serve_h2(detail::tls_stream& stream, std::string_view already_read,
                                      target_stats& stats, pubsub_hub& hub);

}  // namespace stampede::target

// SPDX-License-Identifier: Apache-2.0
// GET /sse?channel=NAME: a server-sent event stream (text/event-stream) of every message
// published to NAME, one event each ("data:" per line), until the client goes.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "target/detail/streams.hpp"
#include "target/pubsub_hub.hpp"
#include "target/target_stats.hpp"

namespace stampede::target {

/// Answers the request (already read) with the event stream; the connection ends with it.
boost::asio::awaitable<void> serve_sse(detail::tcp_stream& stream, std::string_view channel,
                                       target_stats& stats, pubsub_hub& hub);
boost::asio::awaitable<void> serve_sse(detail::tls_stream& stream, std::string_view channel,
                                       target_stats& stats, pubsub_hub& hub);

/// The event a message becomes: each line as a "data:" field, then a blank line.
std::string sse_event(std::string_view message);

}  // namespace stampede::target

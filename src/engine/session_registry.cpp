// SPDX-License-Identifier: Apache-2.0
#include "engine/session_registry.hpp"

#include <fmt/format.h>

#include "engine/run_plan.hpp"
#include "protocol/http1/event_stream.hpp"
#include "protocol/http1/http1_hold_codec.hpp"
#include "protocol/http1/http1_session.hpp"
#include "protocol/http2/h2_hold_codec.hpp"
#include "protocol/http2/h2_pool.hpp"
#include "protocol/websocket/ws_client.hpp"
#include "protocol/websocket/ws_hold_codec.hpp"
#include "scenario/campaign.hpp"

namespace stampede::engine {

session_factory make_session_factory(const run_plan& plan) {
  const auto& defaults = plan.campaign.defaults_;
  if (plan.target.http2()) {
    protocol::http2::h2_settings settings;
    settings.scheme = std::string(plan.target.web_scheme());
    settings.authority = plan.target.host_header();
    settings.connect_timeout = defaults.connect_timeout;
    settings.window_size = defaults.window_size;
    settings.connection_window_size = defaults.connection_window_size;
    // Called once per worker: each worker's users share that worker's connections.
    auto pool = std::make_shared<protocol::http2::h2_pool>(settings, defaults.streams);
    return [pool](boost::asio::io_context& ctx, net::connector& connector) {
      return pool->make_session(ctx, connector);
    };
  }
  auto host = plan.target.host_header();
  auto connect_timeout = defaults.connect_timeout;
  return [host, connect_timeout](boost::asio::io_context& ctx, net::connector& connector) {
    return std::make_shared<protocol::http1::http1_session>(ctx, connector, host, connect_timeout);
  };
}

websocket_factory make_websocket_factory(const run_plan& plan) {
  auto host = plan.target.host_header();
  auto connect_timeout = plan.campaign.defaults_.connect_timeout;
  return [host, connect_timeout](
             boost::asio::io_context& ctx, net::connector& connector,
             protocol::message_observer on_message) -> std::shared_ptr<protocol::message_socket> {
    return std::make_shared<protocol::websocket::ws_client>(ctx, connector, host, connect_timeout,
                                                            std::move(on_message));
  };
}

event_stream_factory make_event_stream_factory(const run_plan& plan) {
  auto host = plan.target.host_header();
  auto connect_timeout = plan.campaign.defaults_.connect_timeout;
  return [host, connect_timeout](
             boost::asio::io_context& ctx,
             net::connector& connector) -> std::shared_ptr<protocol::event_source> {
    return std::make_shared<protocol::http1::event_stream>(ctx, connector, host, connect_timeout);
  };
}

std::shared_ptr<const protocol::hold_codec> make_hold_codec(
    const run_plan& plan, const scenario::connections_model& model) {
  const auto host = plan.target.host_header();
  if (!model.websocket.empty()) {
    // The key only has to be 16 bytes in base64: every connection may send the same one.
    return std::make_shared<protocol::websocket::ws_hold_codec>(
        fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: c3RhbXBlZGUtaGVsZC13cw==\r\nSec-WebSocket-Version: 13\r\n"
                    "User-Agent: stampede/0.1\r\n\r\n",
                    model.websocket, host));
  }
  if (plan.target.scheme == "h2c") {
    return std::make_shared<protocol::http2::h2_hold_codec>();
  }
  return std::make_shared<protocol::http1::http1_hold_codec>(fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: stampede/0.1\r\n\r\n", model.ping_path, host));
}

}  // namespace stampede::engine

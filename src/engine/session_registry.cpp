// SPDX-License-Identifier: Apache-2.0
#include "engine/session_registry.hpp"

#include "engine/run_plan.hpp"
#include "protocol/http1/http1_session.hpp"

namespace stampede::engine {

session_factory make_session_factory(const run_plan& plan) {
  auto host = plan.target.host_header();
  auto connect_timeout = plan.campaign.defaults_.connect_timeout;
  return [host, connect_timeout](boost::asio::io_context& ctx, net::connector& connector) {
    return std::make_shared<protocol::http1::http1_session>(ctx, connector, host, connect_timeout);
  };
}

}  // namespace stampede::engine

// SPDX-License-Identifier: Apache-2.0
#include "protocol/http2/h2_pool.hpp"

#include <gtest/gtest.h>

namespace stampede::protocol::http2 {
namespace {

TEST(H2Pool, UsersFillConnectionsInOrderAndLeaveThem) {
  boost::asio::io_context ctx;
  net::connector connector(net::connect_settings{});
  auto pool = std::make_shared<h2_pool>(h2_settings{"http", "target.test"}, 3);
  std::vector<std::shared_ptr<session>> users;
  for (int i = 0; i < 7; ++i) {
    users.push_back(pool->make_session(ctx, connector));
  }
  EXPECT_EQ(pool->connection_slots(), 3u);  // 3 + 3 + 1 users
  // The first connection's three users leave: it closes.
  users.erase(users.begin(), users.begin() + 3);
  EXPECT_EQ(pool->connection_slots(), 2u);
  // Newcomers fill the connection with room before opening another.
  users.push_back(pool->make_session(ctx, connector));
  users.push_back(pool->make_session(ctx, connector));
  EXPECT_EQ(pool->connection_slots(), 2u);
  users.push_back(pool->make_session(ctx, connector));
  EXPECT_EQ(pool->connection_slots(), 3u);
  users.clear();
  EXPECT_EQ(pool->connection_slots(), 0u);
}

TEST(H2Pool, NoSessionIsConnectedBeforeItsFirstExchange) {
  boost::asio::io_context ctx;
  net::connector connector(net::connect_settings{});
  auto pool = std::make_shared<h2_pool>(h2_settings{"http", "target.test"}, 0);  // counts as 1
  const auto a = pool->make_session(ctx, connector);
  const auto b = pool->make_session(ctx, connector);
  EXPECT_EQ(pool->connection_slots(), 2u);
  EXPECT_FALSE(a->connected());
  EXPECT_FALSE(b->connected());
}

}  // namespace
}  // namespace stampede::protocol::http2

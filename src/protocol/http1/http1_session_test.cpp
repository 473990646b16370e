// SPDX-License-Identifier: Apache-2.0
#include "protocol/http1/http1_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

namespace stampede::protocol::http1 {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asio::ip::tcp;

/// A loopback server that answers each request with `reply` (or stays silent when empty) and
/// counts connections and requests.
class canned_server {
 public:
  canned_server(asio::io_context& ctx, std::string reply)
      : acceptor_(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        reply_(std::move(reply)) {
    asio::co_spawn(ctx, accept_loop(), asio::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections = 0;
  int requests = 0;

 private:
  asio::awaitable<void> accept_loop() {
    while (true) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        co_return;
      }
      ++connections;
      asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> serve(tcp::socket socket) {
    asio::streambuf buf;
    while (true) {
      auto [ec, n] = co_await asio::async_read_until(socket, buf, "\r\n\r\n",
                                                     asio::as_tuple(asio::use_awaitable));
      if (ec) {
        co_return;
      }
      buf.consume(n);
      ++requests;
      if (!reply_.empty()) {
        co_await asio::async_write(socket, asio::buffer(reply_),
                                   asio::as_tuple(asio::use_awaitable));
      }
    }
  }
  tcp::acceptor acceptor_;
  std::string reply_;
};

struct fixture {
  explicit fixture(std::uint16_t port, std::chrono::nanoseconds connect_timeout = 1s)
      : connector([&] {
          net::connect_settings s;
          s.endpoints.emplace_back(asio::ip::make_address("127.0.0.1"), port);
          return s;
        }()),
        session(std::make_shared<http1_session>(ctx, connector, "127.0.0.1", connect_timeout)) {}

  /// Runs `n` GET exchanges one after the other; returns the last result.
  exchange_result run(int n, std::chrono::nanoseconds timeout = 2s, bool keep_body = false) {
    exchange_result last;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < n; ++i) {
            request req;
            req.method = "GET";
            req.target = "/";
            req.timeout = timeout;
            req.keep_body = keep_body;
            co_await session->exchange(req, resp, last);
          }
          session->close();
        },
        asio::detached);
    ctx.run_for(10s);
    return last;
  }

  asio::io_context ctx;
  net::connector connector;
  std::shared_ptr<http1_session> session;
  response resp;
};

TEST(Http1Session, KeepAliveReusesOneConnection) {
  asio::io_context server_ctx;
  canned_server server(server_ctx, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  std::thread t([&] { server_ctx.run_for(5s); });
  fixture f(server.port());
  auto r = f.run(5, 2s, true);
  server_ctx.stop();
  t.join();
  EXPECT_FALSE(r.failed) << r.describe();
  EXPECT_EQ(f.resp.status, 200);
  EXPECT_EQ(f.resp.body, "ok");
  EXPECT_EQ(server.connections, 1);
  EXPECT_EQ(server.requests, 5);
  EXPECT_GT(r.bytes_in, 0u);
}

TEST(Http1Session, ConnectionCloseReconnectsForTheNextRequest) {
  asio::io_context server_ctx;
  canned_server server(server_ctx,
                       "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  std::thread t([&] { server_ctx.run_for(5s); });
  fixture f(server.port());
  auto r = f.run(3);
  server_ctx.stop();
  t.join();
  EXPECT_FALSE(r.failed) << r.describe();
  EXPECT_TRUE(r.connected);
  EXPECT_EQ(server.connections, 3);
}

TEST(Http1Session, SilentServerIsARequestTimeout) {
  asio::io_context server_ctx;
  canned_server server(server_ctx, "");
  std::thread t([&] { server_ctx.run_for(5s); });
  fixture f(server.port());
  const auto start = std::chrono::steady_clock::now();
  auto r = f.run(1, 200ms);
  const auto took = std::chrono::steady_clock::now() - start;
  server_ctx.stop();
  t.join();
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(r.error, metrics::error_class::request_timeout);
  EXPECT_EQ(r.describe(), "no complete response within 200.0ms");
  EXPECT_LT(took, 900ms);  // the 1 s connect deadline must not delay it
}

TEST(Http1Session, RefusedConnectionIsClassified) {
  std::uint16_t port = 0;
  {
    asio::io_context c;
    tcp::acceptor a(c, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed again: nothing listens on `port` now
  fixture f(port);
  auto r = f.run(1);
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(r.error, metrics::error_class::refused);
  EXPECT_NE(r.message.find("connect to 127.0.0.1:"), std::string::npos) << r.describe();
}

TEST(Http1Session, MalformedResponseIsAProtocolError) {
  asio::io_context server_ctx;
  canned_server server(server_ctx, "HTTP/1.1 abc\r\n\r\n");
  std::thread t([&] { server_ctx.run_for(5s); });
  fixture f(server.port());
  auto r = f.run(1);
  server_ctx.stop();
  t.join();
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(r.error, metrics::error_class::protocol);
  EXPECT_EQ(r.describe(), "malformed status code");
}

}  // namespace
}  // namespace stampede::protocol::http1

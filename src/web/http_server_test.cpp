// SPDX-License-Identifier: Apache-2.0
// The HTTP server on a real loopback socket: answers, keep-alive, event streams and a stop that
// waits for streams to send their last events, and no longer than told.
#include "web/http_server.hpp"

#include <chrono>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "web/dashboard.hpp"

namespace stampede::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

tcp::socket connect_to(asio::io_context& io, unsigned short port) {
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  return s;
}

http::response<http::string_body> ask(tcp::socket& s, beast::flat_buffer& buffer,
                                      const std::string& target) {
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req);
  http::response<http::string_body> res;
  http::read(s, buffer, res);
  return res;
}

/// A connection that asked for an event stream, its first events sent by now.
tcp::socket open_stream(asio::io_context& io, unsigned short port) {
  auto s = connect_to(io, port);
  const std::string req = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(s, asio::buffer(req));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return s;
}

/// Everything the server sends until it closes the connection.
std::string read_to_end(tcp::socket& s) {
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);
  return out;
}

TEST(HttpServer, AnswersSeveralRequestsOnOneConnectionWithDecodedQueries) {
  http_server server("127.0.0.1", 0, [](const http_request& r) -> route_result {
    return http_response::json(200, {{"path", r.path}, {"q", r.query}, {"h", r.header("host")}});
  });
  server.start();
  asio::io_context io;
  auto s = connect_to(io, server.port());
  beast::flat_buffer buffer;
  const auto a = ask(s, buffer, "/a%20b?x=1&y=two+words&z=%2F");
  EXPECT_EQ(a.result_int(), 200u);
  EXPECT_EQ(a[http::field::content_type], "application/json");
  EXPECT_EQ(a[http::field::cache_control], "no-store");
  const auto body = nlohmann::json::parse(a.body());
  EXPECT_EQ(body["path"], "/a b");
  EXPECT_EQ(body["q"]["y"], "two words");
  EXPECT_EQ(body["q"]["z"], "/");
  EXPECT_EQ(body["h"], "127.0.0.1");
  EXPECT_EQ(nlohmann::json::parse(ask(s, buffer, "/again").body())["path"], "/again");
  server.stop(std::chrono::milliseconds(0));
}

TEST(HttpServer, WhatIsNotHttpGetsA400AndAHeaderWithALineBreakIsNeverSent) {
  http_server server("127.0.0.1", 0, [](const http_request&) -> route_result {
    http_response r = http_response::json(200, {});
    r.headers.emplace_back("Location", "/x\r\nSet-Cookie: a=b");
    r.headers.emplace_back("X-Fine", "yes");
    return r;
  });
  server.start();
  asio::io_context io;
  {
    auto s = connect_to(io, server.port());
    const std::string garbage = "HELLO\x01 THERE\r\n\r\n";
    asio::write(s, asio::buffer(garbage));
    EXPECT_TRUE(read_to_end(s).starts_with("HTTP/1.1 400")) << "a bad request";
  }
  auto s = connect_to(io, server.port());
  beast::flat_buffer buffer;
  const auto r = ask(s, buffer, "/");
  EXPECT_EQ(r["X-Fine"], "yes");
  EXPECT_EQ(r.count(http::field::location), 0u);
  EXPECT_EQ(r.count(http::field::set_cookie), 0u);
}

TEST(HttpServer, AHandlerThatThrowsIsA500) {
  http_server server("127.0.0.1", 0,
                     [](const http_request&) -> route_result { throw std::runtime_error("boom"); });
  server.start();
  asio::io_context io;
  auto s = connect_to(io, server.port());
  beast::flat_buffer buffer;
  const auto r = ask(s, buffer, "/");
  EXPECT_EQ(r.result_int(), 500u);
  EXPECT_EQ(nlohmann::json::parse(r.body())["error"], "boom");
}

TEST(HttpServer, StreamsEventsAndStopLetsThemFinish) {
  http_server server("127.0.0.1", 0, [](const http_request&) -> route_result {
    return event_source([](event_stream& out) -> asio::awaitable<void> {
      int n = 0;
      while (!out.closing()) {
        const bool sent =
            co_await out.send("tick", std::to_string(n), "{\"n\":" + std::to_string(n) + "}");
        if (!sent) {
          co_return;
        }
        ++n;
        co_await out.wait(std::chrono::milliseconds(20));
      }
      co_await out.send("bye", "", "{}");
    });
  });
  server.start();
  asio::io_context io;
  auto s = open_stream(io, server.port());
  const auto began = std::chrono::steady_clock::now();
  server.stop(std::chrono::seconds(5));
  // Woken, not left to sleep out its period.
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(1));
  const auto all = read_to_end(s);
  EXPECT_NE(all.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(all.find("event: tick\nid: 0\ndata: {\"n\":0}\n\n"), std::string::npos);
  EXPECT_NE(all.find("id: 1\n"), std::string::npos);
  EXPECT_TRUE(all.ends_with("event: bye\ndata: {}\n\n")) << all;
}

TEST(HttpServer, StopWaitsNoLongerThanItsGrace) {
  http_server server("127.0.0.1", 0, [](const http_request&) -> route_result {
    return event_source([](event_stream& out) -> asio::awaitable<void> {
      for (;;) {  // never looks at closing(): only the grace ends it
        co_await out.wait(std::chrono::milliseconds(10));
      }
    });
  });
  server.start();
  asio::io_context io;
  auto s = open_stream(io, server.port());
  const auto began = std::chrono::steady_clock::now();
  server.stop(std::chrono::milliseconds(200));
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_GE(took, std::chrono::milliseconds(200));
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST(HttpServer, ATakenPortOrABadHostIsNamed) {
  http_server first("127.0.0.1", 0, [](const http_request&) -> route_result { return {}; });
  try {
    http_server second("127.0.0.1", first.port(),
                       [](const http_request&) -> route_result { return {}; });
    FAIL() << "a second server on the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(
      http_server("example.com", 0, [](const http_request&) -> route_result { return {}; }),
      std::runtime_error);
}

TEST(ListenAddress, HostAndPortOrAClearError) {
  const auto a = parse_listen_address("127.0.0.1:5665");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 5665);
  const auto v6 = parse_listen_address("[::1]:0");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 0);
  EXPECT_THROW(parse_listen_address("5665"), std::invalid_argument);
  EXPECT_THROW(parse_listen_address("::1:80"), std::invalid_argument);
  EXPECT_THROW(parse_listen_address("h:70000"), std::invalid_argument);
  EXPECT_THROW(parse_listen_address("h:"), std::invalid_argument);
  EXPECT_THROW(parse_listen_address("h:8x"), std::invalid_argument);
}

}  // namespace
}  // namespace stampede::web

// SPDX-License-Identifier: Apache-2.0
#include "target/target_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace stampede::target {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct reply {
  int status = 0;
  std::string headers;
  std::string body;
};

/// A blocking HTTP/1.1 client on one keep-alive connection, enough to test the target.
class client {
 public:
  explicit client(std::uint16_t port) : socket_(ctx_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  reply send(const std::string& method, const std::string& target, const std::string& body = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: t\r\n";
    if (!body.empty()) {
      req += "Content-Type: text/x-test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    asio::write(socket_, asio::buffer(req));
    return read();
  }
  reply read() {
    reply r;
    const auto n = asio::read_until(socket_, buf_, "\r\n\r\n");
    r.headers.assign(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + n);
    buf_.consume(n);
    r.status = std::stoi(r.headers.substr(9, 3));
    if (auto at = r.headers.find("Content-Length: "); at != std::string::npos) {
      const auto len = std::stoul(r.headers.substr(at + 16));
      if (buf_.size() < len) {
        asio::read(socket_, buf_, asio::transfer_exactly(len - buf_.size()));
      }
      r.body.assign(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + len);
      buf_.consume(len);
    } else if (r.headers.find("chunked") != std::string::npos) {
      while (true) {
        const auto line = asio::read_until(socket_, buf_, "\r\n");
        std::string size_line(asio::buffers_begin(buf_.data()),
                              asio::buffers_begin(buf_.data()) + line);
        buf_.consume(line);
        const auto size = std::stoul(size_line, nullptr, 16);
        if (buf_.size() < size + 2) {
          asio::read(socket_, buf_, asio::transfer_exactly(size + 2 - buf_.size()));
        }
        r.body.append(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + size);
        buf_.consume(size + 2);
        if (size == 0) {
          break;
        }
      }
    }
    return r;
  }
  bool closed_by_peer() {
    boost::system::error_code ec;
    char c;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof;
  }

 private:
  asio::io_context ctx_;
  tcp::socket socket_;
  asio::streambuf buf_;
};

class TargetServer : public ::testing::Test {
 protected:
  void SetUp() override {
    target_options o;
    o.port = 0;
    o.threads = 2;
    server_ = std::make_unique<target_server>(o);
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }
  nlohmann::json stats() {
    client c(server_->port());
    return nlohmann::json::parse(c.send("GET", "/stats").body);
  }

  std::unique_ptr<target_server> server_;
  std::thread thread_;
};

TEST_F(TargetServer, EndpointsAnswerOnOneKeepAliveConnection) {
  client c(server_->port());
  auto r = c.send("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "stampede target\n");
  EXPECT_EQ(c.send("GET", "/status?code=503").status, 503);
  EXPECT_EQ(c.send("GET", "/status?code=abc").status, 400);
  EXPECT_EQ(c.send("GET", "/status?code=99").status, 400);
  EXPECT_EQ(c.send("GET", "/bytes?n=100000").body, std::string(100000, 'x'));
  EXPECT_EQ(c.send("GET", "/bytes?n=70000&chunked=1").body, std::string(70000, 'x'));
  r = c.send("POST", "/echo", "hello body");
  EXPECT_EQ(r.body, "hello body");
  EXPECT_NE(r.headers.find("Content-Type: text/x-test"), std::string::npos);
  r = c.send("GET", "/json");
  EXPECT_EQ(nlohmann::json::parse(r.body)["token"], "abc123");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.send("GET", "/delay?ms=50").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  EXPECT_EQ(c.send("GET", "/nope").status, 404);

  const auto s = stats();
  EXPECT_EQ(s["requests"], 10);
  EXPECT_EQ(s["connections_accepted"], 2);  // this client's and the stats client's
  EXPECT_EQ(s["requests_by_path"]["/status"], 3);
  EXPECT_EQ(s["requests_by_path"]["other"], 1);
}

TEST_F(TargetServer, StatsExcludeThemselvesAndReset) {
  client c(server_->port());
  for (int i = 0; i < 25; ++i) {
    c.send("GET", "/");
  }
  EXPECT_EQ(stats()["requests"], 25);
  EXPECT_EQ(stats()["requests"], 25);
  EXPECT_EQ(c.send("POST", "/stats/reset", "x").status, 200);
  const auto s = stats();
  EXPECT_EQ(s["requests"], 0);
  EXPECT_EQ(s["connections_accepted"], 1);  // the stats client after the reset
  EXPECT_GE(s["connections_open"], 1);
  EXPECT_EQ(c.send("POST", "/stats", "x").status, 405);
}

TEST_F(TargetServer, CloseEndpointClosesWithoutAnswering) {
  client c(server_->port());
  asio::io_context ctx;
  tcp::socket raw(ctx);
  raw.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  asio::write(raw, asio::buffer(std::string("GET /close HTTP/1.1\r\nHost: t\r\n\r\n")));
  boost::system::error_code ec;
  char byte;
  const auto n = raw.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_EQ(stats()["requests_by_path"]["/close"], 1);
}

TEST_F(TargetServer, ConnectionCloseIsHonoured) {
  asio::io_context ctx;
  tcp::socket raw(ctx);
  raw.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  asio::write(raw,
              asio::buffer(std::string("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")));
  std::string all;
  boost::system::error_code ec;
  asio::read(raw, asio::dynamic_buffer(all), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_NE(all.find("Connection: close"), std::string::npos);
  EXPECT_NE(all.find("stampede target"), std::string::npos);
}

}  // namespace
}  // namespace stampede::target

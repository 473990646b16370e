// SPDX-License-Identifier: Apache-2.0
#include "hold/connection_holder.hpp"

#include <array>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

namespace stampede::hold {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asio::ip::tcp;
using protocol::hold_read;
using protocol::hold_stage;
using outcome = protocol::hold_read::outcome;

/// A protocol of lines, to show the holder needs no protocol of its own: the hello "hello" is
/// answered "ok", the ping "ping" by "pong"; "ping?" from the server wants "pong" back, and
/// "bye" ends the connection.
class line_codec final : public protocol::hold_codec {
 public:
  explicit line_codec(bool with_hello) : with_hello_(with_hello) {}

  protocol::hold_message hello() const override {
    if (!with_hello_) {
      return {};
    }
    return {"hello\n", "sending the hello"};
  }
  std::string_view hello_name() const override { return "line hello"; }
  protocol::hold_message ping() const override { return {"ping\n", "sending a ping"}; }
  hold_read read(hold_stage stage, std::string_view data, answer_state* /*answer*/) const override {
    hold_read r;
    const auto end = data.find('\n');
    if (end == std::string_view::npos) {
      r.what = outcome::need_more;
      return r;
    }
    r.consumed = end + 1;
    const auto line = data.substr(0, end);
    if (line == "ok" && stage == hold_stage::hello) {
      r.what = outcome::established;
    } else if (line == "pong" && stage == hold_stage::pinging) {
      r.what = outcome::ping_answered;
      r.bytes_in = r.consumed;
    } else if (line == "ping?") {
      const std::string_view pong = "pong\n";
      pong.copy(r.reply_bytes.data(), pong.size());
      r.reply_size = pong.size();
      r.reply_failure = "sending a pong";
    } else if (line == "bye") {
      r.what = outcome::drop;
      r.error = metrics::error_class::reset;
      r.message = "the server said bye";
    }
    return r;
  }
  hold_read on_close(hold_stage stage, answer_state* /*answer*/) const override {
    hold_read r;
    r.what = outcome::drop;
    r.error = metrics::error_class::reset;
    r.message = stage == hold_stage::hello ? "closed before ok" : "closed before pong";
    return r;
  }

 private:
  bool with_hello_;
};

struct recorded_ping {
  bool failed = false;
  metrics::error_class error = metrics::error_class::other;
  std::string message;
  int status = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

class recording_listener final : public hold_listener {
 public:
  void on_established(std::chrono::nanoseconds /*connect_time*/) override { ++established; }
  void on_connect_failed(metrics::error_class error, std::string_view message) override {
    failures.emplace_back(error, std::string(message));
  }
  void on_dropped(metrics::error_class error, std::string_view message) override {
    drops.emplace_back(error, std::string(message));
  }
  void on_ping(const ping_result& r) override {
    pings.push_back({r.failed, r.error, std::string(r.message), r.status, r.bytes_in, r.bytes_out});
  }

  int established = 0;
  std::vector<std::pair<metrics::error_class, std::string>> failures;
  std::vector<std::pair<metrics::error_class, std::string>> drops;
  std::vector<recorded_ping> pings;
};

class ConnectionHolder : public testing::Test {
 protected:
  hold_settings settings(bool with_hello) {
    hold_settings s;
    s.endpoints = {acceptor_.local_endpoint()};
    s.codec = std::make_shared<line_codec>(with_hello);
    return s;
  }

  tcp::socket accept() {
    auto socket = acceptor_.accept();  // the kernel completed the handshake already
    socket.non_blocking(true);
    return socket;
  }

  /// Runs the io_context until `done` holds (or 5 s pass); says whether it does.
  template <typename Done>
  bool run_until(Done done) {
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < until) {
      ctx_.restart();
      ctx_.run_for(5ms);
    }
    return done();
  }

  /// Runs until the server side has received `text`.
  bool received(tcp::socket& server, std::string_view text) {
    return run_until([&] {
      std::array<char, 256> buf;
      boost::system::error_code ec;
      const auto n = server.read_some(asio::buffer(buf), ec);
      if (!ec) {
        got_.append(buf.data(), n);
      }
      return got_.find(text) != std::string::npos;
    });
  }

  void run_for(std::chrono::milliseconds d) {
    ctx_.restart();
    ctx_.run_for(d);
  }

  static void say(tcp::socket& server, std::string_view text) {
    asio::write(server, asio::buffer(text.data(), text.size()));
  }

  asio::io_context ctx_;
  tcp::acceptor acceptor_{ctx_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  recording_listener listener_;
  std::string got_;  ///< what the server side received
};

TEST_F(ConnectionHolder, SendsTheHelloAndIsEstablishedByItsAnswer) {
  auto s = settings(true);
  s.ping_every = 50ms;
  connection_holder holder(ctx_, std::move(s), listener_, 1);
  holder.open();
  auto server = accept();
  ASSERT_TRUE(received(server, "hello\n"));
  EXPECT_EQ(holder.connecting(), 1u) << "connecting until the hello is answered";
  EXPECT_EQ(listener_.established, 0);

  // The answer and a line that wants a reply, in one write.
  say(server, "ok\nping?\n");
  ASSERT_TRUE(run_until([&] { return listener_.established == 1; }));
  EXPECT_EQ(holder.connecting(), 0u);
  EXPECT_EQ(holder.established_open(), 1u);
  EXPECT_TRUE(received(server, "pong\n"));

  // Pinged once ping_every passed; the answer in two reads, the first one kept.
  ASSERT_TRUE(received(server, "ping\n"));
  say(server, "po");
  run_for(20ms);
  EXPECT_TRUE(listener_.pings.empty());
  say(server, "ng\n");
  ASSERT_TRUE(run_until([&] { return !listener_.pings.empty(); }));
  const auto& ping = listener_.pings.front();
  EXPECT_FALSE(ping.failed);
  EXPECT_EQ(ping.status, 0);
  EXPECT_EQ(ping.bytes_in, 5u);
  EXPECT_EQ(ping.bytes_out, 5u);

  // The codec's drop ends the connection.
  say(server, "bye\n");
  ASSERT_TRUE(run_until([&] { return !listener_.drops.empty(); }));
  EXPECT_EQ(listener_.drops.front(),
            std::make_pair(metrics::error_class::reset, std::string("the server said bye")));
  EXPECT_EQ(holder.established_open(), 0u);
  EXPECT_TRUE(listener_.failures.empty());
}

TEST_F(ConnectionHolder, WithoutAHelloAConnectIsEstablishedAtOnce) {
  connection_holder holder(ctx_, settings(false), listener_, 2);
  holder.open();
  holder.open();
  auto first = accept();
  auto second = accept();
  ASSERT_TRUE(run_until([&] { return listener_.established == 2; }));
  EXPECT_EQ(holder.connecting(), 0u);
  // Closing an idle connection is the holder's own drop.
  first.close();
  ASSERT_TRUE(run_until([&] { return !listener_.drops.empty(); }));
  EXPECT_EQ(listener_.drops.front(),
            std::make_pair(metrics::error_class::reset,
                           std::string("the server closed a held connection")));
  EXPECT_EQ(holder.close_all(), 1u) << "the one still open was held to the end";
}

TEST_F(ConnectionHolder, AServerCloseWhileTheHelloWaitsIsNamedByTheCodec) {
  connection_holder holder(ctx_, settings(true), listener_, 1);
  holder.open();
  auto server = accept();
  ASSERT_TRUE(received(server, "hello\n"));
  server.close();
  ASSERT_TRUE(run_until([&] { return !listener_.failures.empty(); }));
  EXPECT_EQ(listener_.failures.front(),
            std::make_pair(metrics::error_class::reset, std::string("closed before ok")));
  EXPECT_EQ(listener_.established, 0);
  EXPECT_EQ(holder.connecting(), 0u);
}

TEST_F(ConnectionHolder, AnUnansweredHelloFailsTheConnect) {
  auto s = settings(true);
  s.connect_timeout = 100ms;
  connection_holder holder(ctx_, std::move(s), listener_, 1);
  holder.open();
  auto server = accept();
  ASSERT_TRUE(run_until([&] { return !listener_.failures.empty(); }));
  EXPECT_EQ(listener_.failures.front().first, metrics::error_class::connect_timeout);
  EXPECT_EQ(listener_.failures.front().second.rfind("no answer to the line hello within ", 0), 0u)
      << listener_.failures.front().second;
  EXPECT_EQ(holder.connecting(), 0u);
}

TEST_F(ConnectionHolder, AnUnansweredPingIsAFailedPingThenADrop) {
  auto s = settings(false);
  s.ping_every = 50ms;
  s.ping_timeout = 100ms;
  connection_holder holder(ctx_, std::move(s), listener_, 1);
  holder.open();
  auto server = accept();
  ASSERT_TRUE(run_until([&] { return !listener_.drops.empty(); }));
  ASSERT_EQ(listener_.pings.size(), 1u);
  EXPECT_TRUE(listener_.pings.front().failed);
  EXPECT_EQ(listener_.pings.front().error, metrics::error_class::request_timeout);
  EXPECT_EQ(listener_.pings.front().bytes_out, 5u);
  EXPECT_EQ(listener_.drops.front().first, metrics::error_class::request_timeout);
  EXPECT_EQ(holder.established_open(), 0u);
}

TEST_F(ConnectionHolder, RefusesSettingsWithoutACodec) {
  hold_settings s;
  EXPECT_THROW(connection_holder(ctx_, std::move(s), listener_, 1), std::invalid_argument);
}

}  // namespace
}  // namespace stampede::hold

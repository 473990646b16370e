// SPDX-License-Identifier: Apache-2.0
#include "target/target_server.hpp"

#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <iostream>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "target/request_reader.hpp"

namespace stampede::target {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr std::string_view root_body = "stampede target\n";
constexpr std::string_view json_body =
    R"({"token":"abc123","user":{"id":42,"name":"stampede"},"items":[{"id":1},{"id":2},{"id":3}]})";
constexpr std::uint64_t max_delay_ms = 60'000;
constexpr std::uint64_t max_bytes = 64ULL * 1024 * 1024;

/// The value of `name` in a query string ("ms=20&x=1"), or empty.
std::string_view query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return {};
}

bool parse_number(std::string_view s, std::uint64_t& out) {
  if (s.empty()) {
    return false;
  }
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

const char* reason(unsigned code) {
  switch (code) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

/// One accepted connection: reads requests and answers them until either side closes.
class connection {
 public:
  connection(tcp::socket socket, target_stats& stats)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), stats_(stats) {}

  asio::awaitable<void> serve() {
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    boost::beast::flat_buffer buffer;
    while (true) {
      request_reader reader(target_, body_, content_type_);
      auto [rec, n] = co_await boost::beast::http::async_read(socket_, buffer, reader,
                                                              asio::as_tuple(asio::use_awaitable));
      stats_.bytes_in.fetch_add(n, std::memory_order_relaxed);
      if (rec) {
        if (rec == boost::beast::http::error::body_limit) {
          co_await answer(413, "text/plain", "body too large\n", false);
        } else if (rec == boost::beast::http::error::header_limit) {
          co_await answer(431, "text/plain", "headers too large\n", false);
        }
        break;
      }
      keep_alive_ = reader.keep_alive();
      if (!co_await handle(reader.method())) {
        break;
      }
      if (!keep_alive_) {
        break;
      }
    }
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

 private:
  /// Returns false when the connection must close.
  asio::awaitable<bool> handle(boost::beast::http::verb method) {
    using boost::beast::http::verb;
    std::string_view target = target_;
    const auto q = target.find('?');
    const auto path = target.substr(0, q);
    const auto query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

    if (path == "/stats") {
      if (method == verb::get) {
        co_return co_await answer(200, "application/json", stats_.to_json(), keep_alive_);
      }
      co_return co_await answer(405, "text/plain", "use GET /stats\n", keep_alive_);
    }
    if (path == "/stats/reset") {
      if (method == verb::post) {
        stats_.reset();
        co_return co_await answer(200, "application/json", "{\"reset\":true}", keep_alive_);
      }
      co_return co_await answer(405, "text/plain", "use POST /stats/reset\n", keep_alive_);
    }
    if (path == "/") {
      stats_.count(endpoint::root);
      co_return co_await answer(200, "text/plain", root_body, keep_alive_);
    }
    if (path == "/delay") {
      stats_.count(endpoint::delay);
      std::uint64_t ms = 0;
      if (!parse_number(query_param(query, "ms"), ms)) {
        co_return co_await answer(400, "text/plain", "usage: /delay?ms=N\n", keep_alive_);
      }
      timer_.expires_after(std::chrono::milliseconds(std::min(ms, max_delay_ms)));
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return co_await answer(200, "text/plain", root_body, keep_alive_);
    }
    if (path == "/status") {
      stats_.count(endpoint::status);
      std::uint64_t code = 0;
      if (!parse_number(query_param(query, "code"), code) || code < 200 || code > 599) {
        co_return co_await answer(400, "text/plain", "usage: /status?code=N (200..599)\n",
                                  keep_alive_);
      }
      co_return co_await answer(static_cast<unsigned>(code), "text/plain", root_body, keep_alive_);
    }
    if (path == "/bytes") {
      stats_.count(endpoint::bytes);
      std::uint64_t n = 0;
      if (!parse_number(query_param(query, "n"), n) || n > max_bytes) {
        co_return co_await answer(400, "text/plain", "usage: /bytes?n=N (at most 64 MiB)\n",
                                  keep_alive_);
      }
      co_return co_await send_bytes(n, query_param(query, "chunked") == "1");
    }
    if (path == "/echo") {
      stats_.count(endpoint::echo);
      const std::string type = content_type_.empty() ? "application/octet-stream" : content_type_;
      co_return co_await answer(200, type, body_, keep_alive_);
    }
    if (path == "/json") {
      stats_.count(endpoint::json);
      co_return co_await answer(200, "application/json", json_body, keep_alive_);
    }
    if (path == "/close") {
      stats_.count(endpoint::close);
      co_return false;
    }
    stats_.count(endpoint::other);
    co_return co_await answer(404, "text/plain", "not found\n", keep_alive_);
  }

  asio::awaitable<bool> answer(unsigned code, std::string_view type, std::string_view body,
                               bool keep_alive) {
    out_.clear();
    fmt::format_to(std::back_inserter(out_),
                   "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n", code,
                   reason(code), type, body.size(), keep_alive ? "" : "Connection: close\r\n");
    out_.append(body);
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out_),
                                              asio::as_tuple(asio::use_awaitable));
    stats_.bytes_out.fetch_add(n, std::memory_order_relaxed);
    co_return !ec && keep_alive;
  }

  asio::awaitable<bool> send_bytes(std::uint64_t n, bool chunked) {
    static const std::string filler(64 * 1024, 'x');
    out_.clear();
    fmt::format_to(std::back_inserter(out_), "HTTP/1.1 200 OK\r\nContent-Type: {}\r\n{}{}\r\n",
                   "application/octet-stream",
                   chunked ? std::string("Transfer-Encoding: chunked\r\n")
                           : fmt::format("Content-Length: {}\r\n", n),
                   keep_alive_ ? "" : "Connection: close\r\n");
    auto [ec, written] = co_await asio::async_write(socket_, asio::buffer(out_),
                                                    asio::as_tuple(asio::use_awaitable));
    std::uint64_t total = written;
    std::uint64_t left = n;
    while (!ec && left > 0) {
      const auto piece = std::min<std::uint64_t>(left, filler.size());
      if (chunked) {
        const auto head = fmt::format("{:x}\r\n", piece);
        std::array<asio::const_buffer, 3> parts{
            asio::buffer(head), asio::buffer(filler.data(), piece), asio::buffer("\r\n", 2)};
        std::tie(ec, written) =
            co_await asio::async_write(socket_, parts, asio::as_tuple(asio::use_awaitable));
      } else {
        std::tie(ec, written) = co_await asio::async_write(
            socket_, asio::buffer(filler.data(), piece), asio::as_tuple(asio::use_awaitable));
      }
      total += written;
      left -= piece;
    }
    if (!ec && chunked) {
      std::tie(ec, written) = co_await asio::async_write(socket_, asio::buffer("0\r\n\r\n", 5),
                                                         asio::as_tuple(asio::use_awaitable));
      total += written;
    }
    stats_.bytes_out.fetch_add(total, std::memory_order_relaxed);
    co_return !ec && keep_alive_;
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  target_stats& stats_;
  std::string target_;
  std::string body_;
  std::string content_type_;
  std::string out_;
  bool keep_alive_ = true;
};

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec.value() == ENFILE || ec.value() == ENOBUFS ||
         ec.value() == ENOMEM;
}

}  // namespace

/// One thread's io_context and its own listening socket on the shared port (SO_REUSEPORT):
/// the kernel spreads connections across threads, and no thread ever hands a socket to another.
struct target_server::shard {
  asio::io_context ctx{1};
  tcp::acceptor acceptor{ctx};
  std::shared_ptr<target_stats> stats;

  asio::awaitable<void> accept_loop() {
    asio::steady_timer backoff(ctx);
    bool reported = false;
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        // Out of file descriptors: say so once per burst and pause, instead of spinning on an
        // accept that keeps failing.
        if (out_of_descriptors(ec)) {
          if (!reported) {
            std::cerr << "stampede target: cannot accept: " << ec.message()
                      << " (pausing accepts; see stampede doctor)\n";
            reported = true;
          }
          backoff.expires_after(100ms);
          co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        continue;
      }
      reported = false;
      boost::system::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      if (!peer_ec) {
        stats->note_remote(peer.address().to_string());
      }
      stats->connections_accepted.fetch_add(1, std::memory_order_relaxed);
      stats->connections_open.fetch_add(1, std::memory_order_relaxed);
      asio::co_spawn(
          ctx,
          [](tcp::socket s, std::shared_ptr<target_stats> st) -> asio::awaitable<void> {
            connection c(std::move(s), *st);
            co_await c.serve();
            st->connections_open.fetch_sub(1, std::memory_order_relaxed);
          }(std::move(socket), stats),
          asio::detached);
    }
  }
};

target_server::target_server(const target_options& options)
    : stats_(std::make_shared<target_stats>()) {
  const auto address = asio::ip::make_address(options.host);
  std::uint16_t port = options.port;
  for (unsigned i = 0; i < std::max(1u, options.threads); ++i) {
    auto s = std::make_unique<shard>();
    s->stats = stats_;
    const tcp::endpoint ep(address, port);
    s->acceptor.open(ep.protocol());
    s->acceptor.set_option(tcp::acceptor::reuse_address(true));
    const int one = 1;
    ::setsockopt(s->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    s->acceptor.bind(ep);
    s->acceptor.listen(asio::socket_base::max_listen_connections);
    port = s->acceptor.local_endpoint().port();  // the rest share the port the first got
    shards_.push_back(std::move(s));
  }
  port_ = port;
}

target_server::~target_server() {
  stop();
}

void target_server::run() {
  for (auto& s : shards_) {
    asio::co_spawn(s->ctx, s->accept_loop(), asio::detached);
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < shards_.size(); ++i) {
    threads.emplace_back([s = shards_[i].get()] { s->ctx.run(); });
  }
  shards_.front()->ctx.run();
  for (auto& t : threads) {
    t.join();
  }
}

void target_server::stop() {
  for (auto& s : shards_) {
    s->ctx.stop();
  }
}

}  // namespace stampede::target

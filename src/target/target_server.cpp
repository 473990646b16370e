// SPDX-License-Identifier: Apache-2.0
// The built-in target's connections, endpoints and per-thread acceptors.
#include "target/target_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/system/system_error.hpp>

#include "target/detail/request_reader.hpp"
#include "target/detail/streams.hpp"
#include "target/h2_connection.hpp"
#include "target/queued_subscriber.hpp"
#include "target/routes.hpp"
#include "target/sse_stream.hpp"
#include "target/tls_context.hpp"
#include "target/ws_connection.hpp"

namespace stampede::target {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// After a request bigger than this, a connection gives its buffers back, so that a few large
/// echoes do not leave every idle keep-alive connection holding megabytes.
constexpr std::size_t kept_buffer_capacity = 1024 * 1024;
/// How long a connection that was answered with an error keeps reading what the client still
/// sends before it closes (see connection::linger).
constexpr auto linger_time = 1s;
constexpr auto accept_retry_pause = 100ms;

constexpr std::string_view full_chunk_head = "10000\r\n";
static_assert(filler_size == 0x10000, "full_chunk_head is filler_size in hex");
/// Pieces (filler blocks) gathered into one write: 1 MiB per system call.
constexpr std::size_t pieces_per_write = 16;

std::string_view reason(unsigned code) {
  const auto known = http::obsolete_reason(http::int_to_status(code));
  if (http::int_to_status(code) != http::status::unknown) {
    return {known.data(), known.size()};
  }
  switch (http::to_status_class(code)) {
    case http::status_class::informational:
      return "Informational";
    case http::status_class::successful:
      return "Success";
    case http::status_class::redirection:
      return "Redirection";
    case http::status_class::client_error:
      return "Client Error";
    default:
      return "Server Error";
  }
}

const boost::system::error_category& http_category() {
  static const auto& category = make_error_code(http::error::end_of_stream).category();
  return category;
}

/// How a response delimits its body.
enum class framing { none, length, chunked };

/// One accepted connection: reads requests and answers them until either side closes. Lives in
/// the frame of its serving coroutine; everything it reuses from request to request is here.
/// `Stream` is plain TCP or TLS (detail/streams.hpp).
template <class Stream>
class connection {
 public:
  connection(Stream socket, target_stats& stats, pubsub_hub& hub)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), stats_(stats), hub_(hub) {}

  asio::awaitable<void> serve() {
    error_code ec;
    // Responses are small and written whole; Nagle would hold the next one back behind the
    // client's delayed ACK.
    detail::tcp_of(socket_).set_option(tcp::no_delay(true), ec);
    boost::beast::flat_buffer buffer;
    switch (co_await sniff_protocol(buffer)) {
      case protocol::gone:
        co_return;
      case protocol::h2: {
        const auto first = buffer.cdata();
        const std::string already(static_cast<const char*>(first.data()), first.size());
        buffer.consume(buffer.size());
        buffer.shrink_to_fit();  // HTTP/2 reads elsewhere: not kept for the connection's life
        co_await serve_h2(socket_, already, stats_, hub_);
        detail::tcp_of(socket_).close(ec);
        co_return;
      }
      case protocol::http1:
        break;
    }
    while (true) {
      detail::request_reader reader(request_);
      auto [read_ec, n] = co_await http::async_read_header(socket_, buffer, reader, use_tuple);
      std::uint64_t bytes_in = n;
      if (!read_ec && !reader.is_done()) {
        if (request_.expect_continue && request_.version >= 11) {
          // Awaited alone: GCC 12 miscompiles a co_await inside a && or || chain.
          const bool continued = co_await send_continue();
          if (!continued) {
            break;
          }
        }
        std::tie(read_ec, n) = co_await http::async_read(socket_, buffer, reader, use_tuple);
        bytes_in += n;
      }
      stats_.bytes_in.fetch_add(bytes_in, std::memory_order_relaxed);
      if (read_ec) {
        co_await reject(read_ec);
        break;
      }
      keep_alive_ = reader.keep_alive();
      head_only_ = request_.method == http::verb::head;
      if (request_.upgrade_websocket && buffer.size() == 0) {
        buffer.shrink_to_fit();  // a WebSocket reads into buffers of its own, maybe for hours
      }
      const bool answered = co_await handle();
      if (!answered || !keep_alive_) {
        break;
      }
      if (request_.body.capacity() > kept_buffer_capacity) {
        request_.body.clear();
        request_.body.shrink_to_fit();
      }
      if (buffer.capacity() > kept_buffer_capacity) {
        buffer.shrink_to_fit();
      }
    }
    detail::tcp_of(socket_).shutdown(tcp::socket::shutdown_send, ec);
    detail::tcp_of(socket_).close(ec);
  }

 private:
  enum class protocol { http1, h2, gone };

  /// Reads the connection's first bytes: the HTTP/2 client preface means h2c with prior
  /// knowledge, anything else is HTTP/1.1 (which then parses what was read from `buffer`).
  asio::awaitable<protocol> sniff_protocol(boost::beast::flat_buffer& buffer) {
    while (true) {
      // A plain connection comes here once readable (see shard::park): no buffer is taken for
      // one that is only held open.
      auto [ec, n] = co_await socket_.async_read_some(buffer.prepare(4096), use_tuple);
      if (ec) {
        co_return protocol::gone;
      }
      buffer.commit(n);
      const auto data = buffer.cdata();
      const std::string_view seen(static_cast<const char*>(data.data()), data.size());
      const auto compared = std::min(seen.size(), h2_client_preface.size());
      if (seen.substr(0, compared) != h2_client_preface.substr(0, compared)) {
        co_return protocol::http1;
      }
      if (compared == h2_client_preface.size()) {
        stats_.bytes_in.fetch_add(seen.size(), std::memory_order_relaxed);
        co_return protocol::h2;
      }
    }
  }

  /// GET /longpoll?channel=NAME[&timeout_ms=N]: the next message published to NAME (200, the
  /// message as the body), or 204 after N ms (default 30000, at most 300000).
  asio::awaitable<bool> long_poll(std::string_view channel_name, std::string_view query) {
    constexpr std::uint64_t default_wait_ms = 30'000;
    constexpr std::uint64_t max_wait_ms = 300'000;
    const auto wait_ms = std::min(
        parse_number(query_param(query, "timeout_ms")).value_or(default_wait_ms), max_wait_ms);
    const std::string channel(channel_name);
    auto sub = std::make_shared<queued_subscriber>(socket_.get_executor());
    hub_.subscribe(channel, sub);
    stats_.longpolls_waiting.fetch_add(1, std::memory_order_relaxed);
    const auto message =
        co_await sub->next(queued_subscriber::clock::now() + std::chrono::milliseconds(wait_ms));
    hub_.unsubscribe(channel, sub);
    stats_.longpolls_waiting.fetch_sub(1, std::memory_order_relaxed);
    if (!message) {
      stats_.longpoll_timeouts.fetch_add(1, std::memory_order_relaxed);
      co_return co_await answer(204, "text/plain", "");
    }
    stats_.longpoll_messages.fetch_add(1, std::memory_order_relaxed);
    co_return co_await answer(200, "text/plain", *message);
  }

  /// Answers one request. Returns false when the connection must close.
  asio::awaitable<bool> handle() {
    if (request_.upgrade_websocket && request_.target.starts_with("/ws/")) {
      const std::string_view target = request_.target;
      const auto q = target.find('?');
      const auto path = target.substr(0, q);
      if (path == "/ws/echo" || path == "/ws/pubsub") {
        stats_.count(path == "/ws/echo" ? endpoint::ws_echo : endpoint::ws_pubsub);
        const auto query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
        co_await serve_websocket(std::move(socket_), request_, path, query, stats_, hub_);
        co_return false;
      }
    }
    if (request_.method == http::verb::get &&
        (request_.target.starts_with("/sse?") || request_.target.starts_with("/longpoll?"))) {
      const std::string_view target = request_.target;
      const auto q = target.find('?');
      const auto query = target.substr(q + 1);
      const auto channel = query_param(query, "channel");
      if (!channel.empty()) {
        if (target.starts_with("/sse?")) {
          stats_.count(endpoint::sse);
          co_await serve_sse(socket_, channel, stats_, hub_);
          co_return false;
        }
        stats_.count(endpoint::longpoll);
        co_return co_await long_poll(channel, query);
      }
    }
    auto plan = plan_request({http::to_string(request_.method), request_.target, request_.body,
                              request_.content_type, request_.cookie},
                             stats_);
    if (plan.publish) {
      plan.owned = publish(hub_, stats_, plan.channel, request_.body);
      plan.body = plan.owned;
    }
    if (plan.delay.count() > 0) {
      timer_.expires_after(plan.delay);
      co_await timer_.async_wait(use_tuple);
    }
    if (plan.close) {
      co_return false;
    }
    if (plan.filler_bytes) {
      co_return co_await send_bytes(*plan.filler_bytes, plan.chunked);
    }
    for (const auto& cookie : plan.set_cookies) {
      fmt::format_to(fmt::appender(extra_fields_), "Set-Cookie: {}\r\n", cookie);
    }
    if (!plan.location.empty()) {
      fmt::format_to(fmt::appender(extra_fields_), "Location: {}\r\n", plan.location);
    }
    co_return co_await answer(plan.code, plan.type, plan.body);
  }

  /// Formats a response head into out_.
  void format_head(unsigned code, std::string_view type, framing f, std::uint64_t length) {
    out_.clear();
    auto out = fmt::appender(out_);
    fmt::format_to(out, "HTTP/1.1 {} {}\r\n", code, reason(code));
    if (f != framing::none) {
      fmt::format_to(out, "Content-Type: {}\r\n", type);
    }
    if (f == framing::length) {
      fmt::format_to(out, "Content-Length: {}\r\n", length);
    } else if (f == framing::chunked) {
      fmt::format_to(out, "Transfer-Encoding: chunked\r\n");
    }
    out_.append(extra_fields_);
    extra_fields_.clear();
    if (!keep_alive_) {
      fmt::format_to(out, "Connection: close\r\n");
    } else if (request_.version == 10) {
      fmt::format_to(out, "Connection: keep-alive\r\n");  // 1.0 closes unless told otherwise
    }
    fmt::format_to(out, "\r\n");
  }

  /// Writes a whole response. Returns false when the connection must close.
  asio::awaitable<bool> answer(unsigned code, std::string_view type, std::string_view body) {
    if (code < 200) {
      // An interim response: the client keeps waiting for a final one that never comes, so
      // closing is what ends its wait.
      keep_alive_ = false;
      out_.clear();
      fmt::format_to(fmt::appender(out_), "HTTP/1.1 {} {}\r\n\r\n", code, reason(code));
      co_await write(asio::const_buffer(out_.data(), out_.size()));
      co_return false;
    }
    if (code == 204 || code == 304) {
      format_head(code, type, framing::none, 0);  // HTTP forbids a body and its length here
      body = {};
    } else {
      format_head(code, type, framing::length, body.size());
    }
    if (head_only_) {
      body = {};
    }
    const std::array<asio::const_buffer, 2> parts{asio::buffer(out_.data(), out_.size()),
                                                  asio::buffer(body)};
    const bool written = co_await write(parts);
    co_return written&& keep_alive_;
  }

  /// /bytes: the head, then the filler block as often as needed, a megabyte per write.
  asio::awaitable<bool> send_bytes(std::uint64_t n, bool chunked) {
    // HTTP/1.0 has no chunked encoding: a 1.0 client gets the same bytes with a length.
    chunked = chunked && request_.version >= 11;
    format_head(200, "application/octet-stream", chunked ? framing::chunked : framing::length, n);
    const auto block = filler();
    std::uint64_t left = head_only_ ? 0 : n;
    bool first = true;
    bool done = false;
    while (!done) {
      pieces_.clear();
      if (first) {
        pieces_.push_back(asio::buffer(out_.data(), out_.size()));
        first = false;
      }
      for (std::size_t i = 0; i < pieces_per_write && left > 0; ++i) {
        const auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
        if (chunked) {
          pieces_.push_back(chunk_head(piece));
        }
        pieces_.push_back(asio::buffer(block.data(), piece));
        if (chunked) {
          pieces_.push_back(asio::buffer(std::string_view("\r\n")));
        }
        left -= piece;
      }
      if (left == 0) {
        if (chunked && !head_only_) {
          pieces_.push_back(asio::buffer(std::string_view("0\r\n\r\n")));
        }
        done = true;
      }
      if (!co_await write(pieces_)) {
        co_return false;
      }
    }
    co_return keep_alive_;
  }

  /// Every chunk but the last is a full filler block, so only the last needs its own head.
  asio::const_buffer chunk_head(std::size_t size) {
    if (size == filler_size) {
      return asio::buffer(full_chunk_head);
    }
    const auto r =
        fmt::format_to_n(last_chunk_head_.data(), last_chunk_head_.size(), "{:x}\r\n", size);
    return asio::buffer(last_chunk_head_.data(), r.size);
  }

  asio::awaitable<bool> send_continue() {
    co_return co_await write(asio::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")));
  }

  /// Counted before writing, so a client that has read a response finds its bytes counted.
  template <class Buffers>
  asio::awaitable<bool> write(const Buffers& buffers) {
    stats_.bytes_out.fetch_add(asio::buffer_size(buffers), std::memory_order_relaxed);
    auto [ec, n] = co_await asio::async_write(socket_, buffers, use_tuple);
    co_return !ec;
  }

  /// A request the parser refused gets 400, 413 or 431 and the connection closes; a peer that
  /// went away or a broken socket gets nothing, since nobody is left to read it.
  asio::awaitable<void> reject(const error_code& ec) {
    if (ec.category() != http_category() || ec == http::error::end_of_stream ||
        ec == http::error::partial_message) {
      co_return;
    }
    stats_.count(endpoint::rejected);
    keep_alive_ = false;
    head_only_ = false;
    if (ec == http::error::body_limit) {
      co_await answer(413, "text/plain", "body larger than 64 MiB\n");
    } else if (ec == http::error::header_limit) {
      co_await answer(431, "text/plain", "headers larger than 64 KiB\n");
    } else {
      const auto text = fmt::format("bad request: {}\n", ec.message());
      co_await answer(400, "text/plain", text);
    }
    co_await linger();
  }

  /// Closing with unread input makes the kernel reset the connection, which can destroy the
  /// error answer before the client reads it (RFC 9112, section 9.6). So stop sending, then
  /// read and drop what the client still sends, for a bounded time.
  asio::awaitable<void> linger() {
    using namespace asio::experimental::awaitable_operators;
    error_code ec;
    detail::tcp_of(socket_).shutdown(tcp::socket::shutdown_send, ec);
    timer_.expires_after(linger_time);
    co_await (discard_input() || timer_.async_wait(use_tuple));
  }

  asio::awaitable<void> discard_input() {
    while (true) {
      // Read and dropped: one scratch area per thread does for every connection.
      thread_local std::array<char, 512> sink;
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(sink), use_tuple);
      if (ec) {
        co_return;
      }
    }
  }

  Stream socket_;
  asio::steady_timer timer_;  ///< /delay, and the linger deadline
  target_stats& stats_;
  pubsub_hub& hub_;
  detail::request request_;
  /// Fields of the next response head besides the framing ones (Set-Cookie, Location).
  fmt::basic_memory_buffer<char, 128> extra_fields_;
  /// The response head: room for a usual one inline, more on the heap when needed.
  fmt::basic_memory_buffer<char, 256> out_;
  std::vector<asio::const_buffer> pieces_;  ///< one gathered write of /bytes
  std::array<char, 24> last_chunk_head_{};  ///< "<hex size>\r\n" of a short last chunk
  bool keep_alive_ = true;
  bool head_only_ = false;  ///< HEAD: the head of the answer, without its body
};

/// Serves one accepted connection; with `tls`, after the TLS handshake (whose ALPN chose h2 or
/// http/1.1; the HTTP/2 preface that follows is recognised as on a plain connection).
asio::awaitable<void> serve_tls_connection(tcp::socket socket, target_stats& stats, pubsub_hub& hub,
                                           asio::ssl::context& tls) {
  detail::tls_stream stream(std::move(socket), tls);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (!ec) {
    connection<detail::tls_stream> c(std::move(stream), stats, hub);
    co_await c.serve();
  }
}

/// Plain connections get a coroutine of their own: a frame holds room for every local of its
/// coroutine, and the TLS ones would more than double what each idle connection costs.
asio::awaitable<void> serve_tcp_connection(tcp::socket socket, target_stats& stats,
                                           pubsub_hub& hub) {
  connection<detail::tcp_stream> c(std::move(socket), stats, hub);
  co_await c.serve();
}

asio::awaitable<void> serve_connection(tcp::socket socket, std::shared_ptr<target_stats> stats,
                                       std::shared_ptr<pubsub_hub> hub,
                                       std::shared_ptr<asio::ssl::context> tls) {
  if (tls) {
    co_await serve_tls_connection(std::move(socket), *stats, *hub, *tls);
  } else {
    co_await serve_tcp_connection(std::move(socket), *stats, *hub);
  }
  stats->connections_open.fetch_sub(1, std::memory_order_relaxed);
}

/// Errors of one connection that gave up between its handshake and our accept: nothing is wrong
/// with the listener, so accept the next one at once.
bool client_gave_up(const error_code& ec) {
  return ec == asio::error::connection_aborted || ec == asio::error::connection_reset ||
         ec.value() == EPROTO || ec.value() == EPERM;
}

bool out_of_descriptors(const error_code& ec) {
  return ec == asio::error::no_descriptors || ec.value() == ENFILE;
}

tcp::endpoint resolve(const std::string& host, std::uint16_t port) {
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    return {address, port};
  }
  asio::io_context ctx;
  tcp::resolver resolver(ctx);
  // Throws when the name does not resolve; it never returns an empty list.
  return resolver.resolve(host, std::to_string(port), tcp::resolver::passive).begin()->endpoint();
}

constexpr int listen_backlog = 65535;

void listen(tcp::acceptor& acceptor, const tcp::endpoint& ep, bool share_port) {
  acceptor.open(ep.protocol());
  // Restarting the target must not wait for the last run's connections to leave TIME_WAIT.
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  if (share_port) {
    const int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
      throw boost::system::system_error(error_code(errno, boost::system::system_category()),
                                        "SO_REUSEPORT");
    }
  }
  acceptor.bind(ep);
  // The kernel caps this at net.core.somaxconn: a machine tuned for bursts of connects gets
  // its full queue, rather than SOMAXCONN's 4096 fixed at compile time.
  acceptor.listen(listen_backlog);
}

}  // namespace

/// One serving thread: its loop, its listening socket and, on the first, the signal handlers.
struct target_server::shard {
  explicit shard(target_server& s) : server(s) {}

  target_server& server;
  asio::io_context ctx{1};
  tcp::acceptor acceptor{ctx};
  std::optional<asio::signal_set> signals;

  /// A plain connection waits for its first bytes with no coroutine yet: one held open and
  /// quiet (the C1M load) then costs its socket and one pending wait, a few hundred bytes, not
  /// a chain of coroutine frames. (Not over TLS: the handshake comes first.)
  void park(tcp::socket socket) {
    auto parked = std::make_unique<tcp::socket>(std::move(socket));
    auto& waiting = *parked;
    waiting.async_wait(tcp::socket::wait_read, [this, parked = std::move(parked)](error_code ec) {
      if (ec == asio::error::operation_aborted) {
        server.stats_->connections_open.fetch_sub(1, std::memory_order_relaxed);
        return;  // the target is stopping
      }
      asio::co_spawn(ctx, serve_connection(std::move(*parked), server.stats_, server.hub_, nullptr),
                     asio::detached);
    });
  }

  asio::awaitable<void> accept_loop() {
    asio::steady_timer pause(ctx);
    auto& stats = *server.stats_;
    tcp::endpoint peer;  // filled by accept itself: no getpeername per connection
    while (true) {
      auto [ec, socket] = co_await acceptor.async_accept(peer, use_tuple);
      if (!ec) {
        if (server.accept_failure_reported_.load(std::memory_order_relaxed)) {
          server.accept_failure_reported_.store(false, std::memory_order_relaxed);
        }
        stats.note_remote(peer.address());
        stats.connections_accepted.fetch_add(1, std::memory_order_relaxed);
        stats.connections_open.fetch_add(1, std::memory_order_relaxed);
        if (server.tls_) {
          asio::co_spawn(
              ctx, serve_connection(std::move(socket), server.stats_, server.hub_, server.tls_),
              asio::detached);
        } else {
          park(std::move(socket));
        }
        continue;
      }
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
        co_return;
      }
      if (client_gave_up(ec)) {
        continue;
      }
      // Out of descriptors (EMFILE, ENFILE) or kernel memory: an accept retried at once fails
      // again, so the loop would spin and flood the log. Say so once per burst, across all
      // threads, and retry after a pause; the pending connections wait in the listen queue.
      if (!server.accept_failure_reported_.exchange(true, std::memory_order_relaxed)) {
        std::cerr << fmt::format(
                         "stampede target: cannot accept connections: {}; retrying every {} ms{}\n",
                         ec.message(), accept_retry_pause.count(),
                         out_of_descriptors(ec) ? " (see stampede doctor to raise the limit)" : "")
                  << std::flush;
      }
      pause.expires_after(accept_retry_pause);
      co_await pause.async_wait(use_tuple);
    }
  }
};

target_server::target_server(const target_options& options)
    : stats_(options.shared_stats != nullptr
                 ? std::shared_ptr<target_stats>(std::shared_ptr<void>(), options.shared_stats)
                 : std::make_shared<target_stats>()),
      hub_(std::make_shared<pubsub_hub>()) {
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    tls_ = make_server_tls_context(options.tls_cert, options.tls_key);
  }
  const auto requested = resolve(options.host, options.port);
  const unsigned threads = std::max(1u, options.threads);
  const bool share_port = threads > 1 || options.join_port;
  if (share_port && !options.join_port && requested.port() != 0) {
    // With SO_REUSEPORT, binding a port that another target already listens on succeeds, and
    // the two would silently split the traffic and both oracles' counts. A plain bind fails
    // instead, so try one first. (The kernel never joins an existing group for port 0.)
    asio::io_context probe_ctx;
    tcp::acceptor probe(probe_ctx);
    probe.open(requested.protocol());
    probe.set_option(tcp::acceptor::reuse_address(true));
    probe.bind(requested);
  }
  auto ep = requested;
  for (unsigned i = 0; i < threads; ++i) {
    auto s = std::make_unique<shard>(*this);
    listen(s->acceptor, ep, share_port);
    ep = s->acceptor.local_endpoint();  // the port the first one got, for the others to share
    shards_.push_back(std::move(s));
  }
  endpoint_ = ep;
  if (options.stop_on_signals) {
    shards_.front()->signals.emplace(shards_.front()->ctx, SIGINT, SIGTERM);
  }
}

target_server::~target_server() {
  stop();
}

void target_server::run() {
  for (auto& s : shards_) {
    asio::co_spawn(s->ctx, s->accept_loop(), asio::detached);
  }
  if (auto& signals = shards_.front()->signals) {
    signals->async_wait([this](const error_code& ec, int) {
      if (!ec) {
        stop();
      }
    });
  }
  // A loop that throws stops the others, so run() returns and rethrows instead of hanging.
  std::mutex failure_mutex;
  std::exception_ptr failure;
  const auto run_one = [&](shard& s) {
    try {
      s.ctx.run();
    } catch (...) {
      {
        const std::lock_guard lock(failure_mutex);
        failure = failure ? failure : std::current_exception();
      }
      stop();
    }
  };
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 1; i < shards_.size(); ++i) {
      threads.emplace_back([&run_one, s = shards_[i].get()] { run_one(*s); });
    }
    run_one(*shards_.front());
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
}

void target_server::stop() {
  for (auto& s : shards_) {
    s->ctx.stop();
  }
}

}  // namespace stampede::target

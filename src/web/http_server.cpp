// SPDX-License-Identifier: Apache-2.0
#include "web/http_server.hpp"

#include <charconv>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "core/percent_decoding.hpp"
#include "core/text.hpp"
#include "core/thread_name.hpp"

namespace stampede::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Sign-ins and JSON calls are small; a page is never uploaded.
constexpr std::size_t body_limit_bytes = 64 * 1024;
// The run's own connections come out of the same open-files limit: browsers get a few.
constexpr std::size_t session_limit = 128;
constexpr auto idle_timeout = std::chrono::seconds(60);
/// A browser that takes longer than this to take one event is cut off: it must not pile up
/// events in memory.
constexpr auto event_write_timeout = std::chrono::seconds(10);

http_request parsed(const http::request<http::string_body>& r) {
  http_request out;
  out.method = std::string(r.method_string());
  const std::string_view target(r.target().data(), r.target().size());
  const auto q = target.find('?');
  out.path = core::percent_decoded(target.substr(0, q), false);
  if (q != std::string_view::npos) {
    out.query = form_fields(target.substr(q + 1));
  }
  for (const auto& f : r) {
    out.headers.emplace_back(
        core::to_lower(std::string_view(f.name_string().data(), f.name_string().size())),
        std::string(f.value()));
  }
  out.body = r.body();
  return out;
}

}  // namespace

std::map<std::string, std::string> form_fields(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    const auto eq = pair.find('=');
    if (!pair.empty()) {
      out[core::percent_decoded(pair.substr(0, eq), true)] =
          eq == std::string_view::npos ? "" : core::percent_decoded(pair.substr(eq + 1), true);
    }
  }
  return out;
}

bool is_loopback_host(const std::string& host) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  return host == "localhost" || (!ec && address.is_loopback());
}

std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

std::string http_request::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) {
      return v;
    }
  }
  return {};
}

http_response http_response::json(unsigned status, const nlohmann::json& body) {
  return {status,
          "application/json",
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
          {}};
}

http_response http_response::error(unsigned status, std::string_view message) {
  return json(status, {{"error", message}});
}

http_response http_response::html(std::string body) {
  return {200, "text/html; charset=utf-8", std::move(body), {}};
}

/// An event stream the server can wake when it closes.
class http_server::stream : public event_stream {
 public:
  virtual void wake() = 0;

 protected:
  ~stream() = default;
};

namespace {

beast::tcp_stream& tcp_of(beast::tcp_stream& s) {
  return s;
}
beast::tcp_stream& tcp_of(beast::ssl_stream<beast::tcp_stream>& s) {
  return beast::get_lowest_layer(s);
}

}  // namespace

template <typename Stream>
class http_server::stream_on final : public http_server::stream {
 public:
  stream_on(http_server& server, Stream& socket)
      : server_(server), socket_(socket), timer_(socket.get_executor()) {}

  asio::awaitable<bool> send(std::string_view event, std::string_view id,
                             std::string_view data) override {
    out_.clear();
    fmt::format_to(std::back_inserter(out_), "event: {}\n", event);
    if (!id.empty()) {
      fmt::format_to(std::back_inserter(out_), "id: {}\n", id);
    }
    fmt::format_to(std::back_inserter(out_), "data: {}\n\n", data);
    tcp_of(socket_).expires_after(event_write_timeout);
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out_), use_tuple);
    co_return !ec;
  }

  asio::awaitable<void> wait(std::chrono::milliseconds period) override {
    if (server_.closing_) {
      // Through the scheduler all the same: a source that does not look at closing() must not
      // spin without ever letting the server stop.
      co_await asio::post(socket_.get_executor(), asio::use_awaitable);
      co_return;
    }
    timer_.expires_after(period);
    auto [ec] = co_await timer_.async_wait(use_tuple);
    (void)ec;  // woken early: the server is closing
  }

  bool closing() const override { return server_.closing_; }
  void wake() override { timer_.cancel(); }

 private:
  http_server& server_;
  Stream& socket_;
  asio::steady_timer timer_;
  std::string out_;
};

class http_server::session {
 public:
  static asio::awaitable<void> serve(http_server& server, asio::ip::tcp::socket socket) {
    ++server.sessions_;
    // Counted down however the session ends: also when ~http_server destroys the suspended
    // coroutine, while the server's other members are still there.
    struct counted {
      http_server& server;
      ~counted() { --server.sessions_; }
    } count{server};
    if (!server.tls_) {
      beast::tcp_stream s(std::move(socket));
      co_await exchange(server, s);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> s(beast::tcp_stream(std::move(socket)), *server.tls_);
    beast::get_lowest_layer(s).expires_after(idle_timeout);
    auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::server, use_tuple);
    if (!ec) {
      co_await exchange(server, s);
    }
  }

 private:
  template <typename Stream>
  static asio::awaitable<void> exchange(http_server& server, Stream& s) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(body_limit_bytes);
      tcp_of(s).expires_after(idle_timeout);
      auto [ec, n] = co_await http::async_read(s, buffer, parser, use_tuple);
      if (ec) {
        // A request that is not HTTP, or too big, is answered once, then the connection ends.
        const bool http_error =
            ec.category() == http::make_error_code(http::error::bad_method).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message;
        const auto status = ec == http::error::body_limit ? http::status::payload_too_large
                            : ec == http::error::header_limit
                                ? http::status::request_header_fields_too_large
                                : http::status::bad_request;
        if (http_error) {
          http::response<http::string_body> refusal{status, 11};
          refusal.set(http::field::connection, "close");
          refusal.prepare_payload();
          auto [wec, wn] = co_await http::async_write(s, refusal, use_tuple);
          (void)wec;
          beast::error_code ignored;
          tcp_of(s).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        }
        co_return;
      }
      const auto& r = parser.get();
      route_result result = http_response::error(500, "no answer");
      try {
        auto request = parsed(r);
        boost::system::error_code pec;
        const auto remote = tcp_of(s).socket().remote_endpoint(pec);
        request.peer =
            pec ? "?" : fmt::format("{}:{}", remote.address().to_string(), remote.port());
        result = server.handler_(request);
      } catch (const std::exception& e) {
        result = http_response::error(500, e.what());
      }
      if (auto* events = std::get_if<event_source>(&result)) {
        const event_source source = std::move(*events);
        co_await stream_events(server, s, source);
        co_return;
      }
      auto& answer = std::get<http_response>(result);
      http::response<http::string_body> res{static_cast<http::status>(answer.status), r.version()};
      res.set(http::field::server, "stampede");
      res.set(http::field::content_type, answer.content_type);
      res.set(http::field::cache_control, "no-store");
      res.set("X-Content-Type-Options", "nosniff");
      if (server.tls_) {
        res.set(http::field::strict_transport_security, "max-age=31536000");
      }
      for (const auto& [name, value] : answer.headers) {
        // A value with a line break would be a header of its own: never sent.
        if (value.find_first_of("\r\n") == std::string::npos) {
          res.set(name, value);
        }
      }
      res.body() = std::move(answer.body);
      res.keep_alive(r.keep_alive());
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(s, res, use_tuple);
      if (wec || !res.keep_alive()) {
        beast::error_code ignored;
        tcp_of(s).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        co_return;
      }
    }
  }

  template <typename Stream>
  static asio::awaitable<void> stream_events(http_server& server, Stream& s,
                                             const event_source& source) {
    // Delimited by the connection's end: no length, no chunks, nothing buffered on the way.
    const std::string head = fmt::format(
        "HTTP/1.1 200 OK\r\nServer: stampede\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n{}Connection: close"
        "\r\n\r\nretry: 2000\n\n",
        server.tls_ ? "Strict-Transport-Security: max-age=31536000\r\n" : "");
    tcp_of(s).expires_after(event_write_timeout);
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(head), use_tuple);
    if (ec) {
      co_return;
    }
    stream_on<Stream> st(server, s);
    server.streams_.insert(&st);
    ++server.open_streams_;
    try {
      co_await source(st);
    } catch (const std::exception&) {
      // A stream that fails ends; the page reconnects.
    }
    server.streams_.erase(&st);
    --server.open_streams_;
    beast::error_code ignored;
    tcp_of(s).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  }
};

std::shared_ptr<asio::ssl::context> server_tls(const std::string& cert_chain_pem,
                                               const std::string& key_pem) {
  auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  tls->use_certificate_chain(asio::buffer(cert_chain_pem), ec);
  if (ec) {
    throw std::runtime_error("not a PEM certificate chain: " + ec.message());
  }
  tls->use_private_key(asio::buffer(key_pem), asio::ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("not the PEM private key of the certificate: " + ec.message());
  }
  return tls;
}

http_server::http_server(const std::string& host, unsigned short port, request_handler handler,
                         std::shared_ptr<asio::ssl::context> tls)
    : handler_(std::move(handler)),
      host_(host),
      tls_(std::move(tls)),
      io_(std::make_unique<asio::io_context>(1)),
      acceptor_(std::make_unique<asio::ip::tcp::acceptor>(*io_)) {
  const auto where = fmt::format("{}:{}", host, port);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("cannot listen on {}: '{}' is not an IP address", where, host));
  }
  const asio::ip::tcp::endpoint endpoint(address, port);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    acceptor_->bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::runtime_error(fmt::format("cannot listen on {}: {}", where, ec.message()));
  }
  port_ = acceptor_->local_endpoint().port();
}

http_server::~http_server() {
  stop(std::chrono::milliseconds(0));
  acceptor_.reset();
  io_.reset();
}

std::string http_server::address() const {
  return host_.find(':') != std::string::npos ? fmt::format("[{}]:{}", host_, port_)
                                              : fmt::format("{}:{}", host_, port_);
}

void http_server::start() {
  asio::co_spawn(*io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] {
    core::name_this_thread("http");
    io_->run();
  });
}

asio::awaitable<void> http_server::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_->async_accept(use_tuple);
    if (closing_ || ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // Out of descriptors, most likely: the run needs them more; try again shortly.
      asio::steady_timer pause(*io_, std::chrono::milliseconds(100));
      auto [pec] = co_await pause.async_wait(use_tuple);
      (void)pec;
      continue;
    }
    if (sessions_ >= session_limit) {
      continue;  // closed as it goes out of scope
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    asio::co_spawn(*io_, session::serve(*this, std::move(socket)), asio::detached);
  }
}

void http_server::stop(std::chrono::milliseconds grace) {
  if (!thread_.joinable()) {
    return;
  }
  asio::post(*io_, [this] {
    closing_ = true;
    for (auto* s : streams_) {
      s->wake();
    }
    boost::system::error_code ignored;
    acceptor_->close(ignored);
  });
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (open_streams_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  io_->stop();
  thread_.join();
}

}  // namespace stampede::web

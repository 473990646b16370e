// SPDX-License-Identifier: Apache-2.0
#include "protocol/websocket/ws_client.hpp"

#include <tuple>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "core/duration_text.hpp"
#include "net/dial_failure.hpp"
#include "net/error_classify.hpp"

namespace stampede::protocol::websocket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ws = beast::websocket;
using boost::system::error_code;
using metrics::error_class;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// Messages kept for receive() beyond this are dropped oldest first (still counted).
constexpr std::size_t max_kept_messages = 4096;
constexpr std::size_t max_message_bytes = 16 * 1024 * 1024;

}  // namespace

class ws_client::connection {
 public:
  explicit connection(std::unique_ptr<net::stream> s) : stream_(std::move(s)) {}
  virtual ~connection() = default;

  virtual asio::awaitable<error_code> handshake(const std::string& host, std::string_view target,
                                                std::span<const header_view> headers,
                                                unsigned& status) = 0;
  virtual asio::awaitable<std::tuple<error_code, std::size_t>> read(beast::flat_buffer& b) = 0;
  virtual bool got_text() const = 0;
  virtual asio::awaitable<error_code> write(std::string_view payload, bool binary) = 0;
  virtual asio::awaitable<error_code> close() = 0;
  void shut() noexcept { stream_->close(); }
  net::stream& stream() { return *stream_; }

 private:
  std::unique_ptr<net::stream> stream_;
};

namespace {

template <class Next>
class beast_connection final : public ws_client::connection {
 public:
  beast_connection(std::unique_ptr<net::stream> s, Next& next)
      : connection(std::move(s)), ws_(next) {
    ws_.read_message_max(max_message_bytes);
    ws_.auto_fragment(false);
  }

  asio::awaitable<error_code> handshake(const std::string& host, std::string_view target,
                                        std::span<const header_view> headers,
                                        unsigned& status) override {
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& h : headers) {
      fields.emplace_back(h.name, h.value);
    }
    ws_.set_option(ws::stream_base::decorator([fields](ws::request_type& req) {
      for (const auto& [name, value] : fields) {
        req.set(name, value);
      }
    }));
    ws::response_type response;
    auto [ec] = co_await ws_.async_handshake(response, host, target, use_tuple);
    status = response.result_int();
    co_return ec;
  }

  asio::awaitable<std::tuple<error_code, std::size_t>> read(beast::flat_buffer& b) override {
    return ws_.async_read(b, use_tuple);
  }

  bool got_text() const override { return ws_.got_text(); }

  asio::awaitable<error_code> write(std::string_view payload, bool binary) override {
    ws_.binary(binary);
    auto [ec, n] = co_await ws_.async_write(asio::buffer(payload), use_tuple);
    co_return ec;
  }

  asio::awaitable<error_code> close() override {
    auto [ec] = co_await ws_.async_close(ws::close_code::normal, use_tuple);
    co_return ec;
  }

 private:
  ws::stream<Next&> ws_;
};

}  // namespace

ws_client::ws_client(asio::io_context& ctx, net::connector& connector, std::string host_header,
                     std::chrono::nanoseconds connect_timeout, message_observer on_message)
    : ctx_(ctx),
      connector_(connector),
      host_header_(std::move(host_header)),
      connect_timeout_(connect_timeout),
      on_message_(std::move(on_message)),
      arrived_(ctx),
      deadline_(ctx, [this] {
        if (conn_) {
          conn_->shut();
        }
      }) {}

ws_client::~ws_client() {
  abort();
}

void ws_client::set_open(bool open) noexcept {
  if (open != open_ && open_gauge_ != nullptr) {
    open ? ++*open_gauge_ : --*open_gauge_;
  }
  open_ = open;
}

void ws_client::abort() noexcept {
  set_open(false);
  deadline_.cancel();
  arrived_.cancel();
  if (conn_) {
    conn_->shut();
    conn_.reset();
  }
  received_.clear();
}

asio::awaitable<ws_result> ws_client::open(std::string_view target,
                                           std::span<const header_view> headers,
                                           std::chrono::nanoseconds timeout) {
  abort();
  ws_result r;
  auto stream = connector_.make_stream(ctx_);
  auto* raw = stream.get();
  if (raw->is_tls()) {
    conn_ = std::make_shared<beast_connection<net::tls_stream>>(std::move(stream), *raw->tls());
  } else {
    conn_ = std::make_shared<beast_connection<net::tcp_socket>>(std::move(stream), raw->socket());
  }
  const auto conn = conn_;
  deadline_.arm(clock::now() + connect_timeout_, *this);
  const auto dialed = co_await connector_.dial(conn->stream());
  deadline_.disarm();
  if (conn_ != conn) {  // aborted meanwhile
    r.failed = true;
    r.message = "closed while connecting";
    co_return r;
  }
  if (dialed.error || deadline_.timed_out()) {
    auto failure = net::describe_failure(dialed, deadline_.timed_out(), connect_timeout_);
    r.failed = true;
    r.error = failure.error;
    r.message = std::move(failure.message);
    abort();
    co_return r;
  }
  r.connect_time = dialed.connect_time;
  r.tls_time = dialed.tls_time;
  const auto started = clock::now();
  deadline_.arm(started + timeout, *this);
  unsigned status = 0;
  const auto ec = co_await conn->handshake(host_header_, target, headers, status);
  deadline_.disarm();
  r.handshake_time = clock::now() - started;
  if (ec || deadline_.timed_out() || conn_ != conn) {
    r.failed = true;
    if (deadline_.timed_out()) {
      r.error = error_class::request_timeout;
      r.message =
          fmt::format("no WebSocket handshake answer within {}", core::format_duration(timeout));
    } else if (ec == ws::error::upgrade_declined) {
      r.error = error_class::http_status;
      r.message =
          fmt::format("GET {} -> {} (the upgrade to WebSocket was refused)", target, status);
    } else {
      r.error = ec.category() == asio::error::get_system_category() ? net::classify(ec)
                                                                    : error_class::protocol;
      r.message = fmt::format("WebSocket handshake for {}: {}", target, ec.message());
    }
    abort();
    co_return r;
  }
  set_open(true);
  ended_.clear();
  asio::co_spawn(ctx_, read_loop(shared_from_this(), conn), asio::detached);
  co_return r;
}

asio::awaitable<void> ws_client::read_loop([[maybe_unused]] std::shared_ptr<ws_client> self,
                                           std::shared_ptr<connection> conn) {
  beast::flat_buffer buffer;
  while (true) {
    auto [ec, n] = co_await conn->read(buffer);
    if (conn_ != conn) {
      co_return;  // aborted or reopened: this connection is no longer the user's
    }
    if (ec) {
      set_open(false);
      if (ec == ws::error::closed) {
        ended_ = "the server closed the WebSocket";
        ended_class_ = error_class::reset;
      } else if (ec.category() == asio::error::get_system_category() || ec == asio::error::eof) {
        ended_ = fmt::format("WebSocket connection: {}", ec.message());
        ended_class_ = net::classify(ec);
      } else {
        ended_ = fmt::format("WebSocket protocol error: {}", ec.message());
        ended_class_ = error_class::protocol;
      }
      arrived_.cancel();
      conn->shut();
      co_return;
    }
    const auto data = buffer.cdata();
    if (on_message_) {
      on_message_(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    if (keep_) {
      if (received_.size() == max_kept_messages) {
        received_.pop_front();
      }
      received_.push_back({std::string(static_cast<const char*>(data.data()), data.size()),
                           !conn->got_text(), clock::now()});
      arrived_.cancel();
    }
    buffer.consume(buffer.size());
  }
}

asio::awaitable<ws_result> ws_client::send(std::string_view payload, bool binary,
                                           std::chrono::nanoseconds timeout) {
  ws_result r;
  if (!open_ || !conn_) {
    r.failed = true;
    r.error = error_class::protocol;
    r.message = ended_.empty() ? "send without an open WebSocket (add a ws: step before it)"
                               : "send after the WebSocket ended: " + ended_;
    co_return r;
  }
  const auto conn = conn_;
  deadline_.arm(clock::now() + timeout, *this);
  const auto ec = co_await conn->write(payload, binary);
  deadline_.disarm();
  if (ec || deadline_.timed_out()) {
    r.failed = true;
    r.error = deadline_.timed_out() ? error_class::request_timeout : net::classify(ec);
    r.message = deadline_.timed_out()
                    ? fmt::format("sending took longer than {}", core::format_duration(timeout))
                    : fmt::format("sending a WebSocket message: {}", ec.message());
    co_return r;
  }
  r.bytes_out = payload.size();
  co_return r;
}

asio::awaitable<ws_result> ws_client::receive(ws_message& out, clock::time_point deadline) {
  ws_result r;
  while (received_.empty()) {
    if (!open_) {
      r.failed = true;
      r.error = ended_.empty() ? error_class::protocol : ended_class_;
      r.message =
          ended_.empty() ? "expect without an open WebSocket (add a ws: step before it)" : ended_;
      co_return r;
    }
    if (clock::now() >= deadline) {
      r.failed = true;
      r.error = error_class::request_timeout;
      co_return r;
    }
    arrived_.expires_at(deadline);
    co_await arrived_.async_wait(use_tuple);
  }
  out = std::move(received_.front());
  received_.pop_front();
  co_return r;
}

asio::awaitable<void> ws_client::close(std::chrono::nanoseconds timeout) {
  if (open_ && conn_) {
    const auto conn = conn_;
    deadline_.arm(clock::now() + timeout, *this);
    co_await conn->close();
    deadline_.disarm();
  }
  abort();
}

}  // namespace stampede::protocol::websocket

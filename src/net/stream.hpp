// SPDX-License-Identifier: Apache-2.0
// One client connection's byte stream: plain TCP or TLS over TCP, chosen at construction.
// Callers read and write through the same calls either way, so protocols never learn which.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

namespace stampede::net {

namespace asio = boost::asio;

/// A socket bound to one worker's io_context: the concrete executor avoids type erasure on
/// every operation.
using tcp_socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;
using tls_stream = asio::ssl::stream<tcp_socket>;

/// Thread-safety: none; a stream belongs to the worker thread whose io_context made it.
class stream {
 public:
  /// A plain TCP stream.
  explicit stream(asio::io_context& ctx) : tcp_(std::make_unique<tcp_socket>(ctx)) {}
  /// A TLS stream; the context must outlive the stream.
  stream(asio::io_context& ctx, asio::ssl::context& tls)
      : tls_(std::make_unique<tls_stream>(ctx, tls)) {}

  bool is_tls() const { return tls_ != nullptr; }
  tcp_socket& socket() { return tls_ ? tls_->next_layer() : *tcp_; }
  tls_stream* tls() { return tls_.get(); }
  bool is_open() { return socket().is_open(); }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    if (tls_) {
      return tls_->async_read_some(buffers, std::forward<Token>(token));
    }
    return tcp_->async_read_some(buffers, std::forward<Token>(token));
  }

  template <typename Buffers, typename Token>
  auto async_write(const Buffers& buffers, Token&& token) {
    if (tls_) {
      return asio::async_write(*tls_, buffers, std::forward<Token>(token));
    }
    return asio::async_write(*tcp_, buffers, std::forward<Token>(token));
  }

  /// Closes the socket at once; any operation in flight completes with operation_aborted.
  /// A TLS stream is closed without close_notify: load tests do not wait for it.
  void close() noexcept {
    boost::system::error_code ignored;
    socket().close(ignored);
  }

 private:
  std::unique_ptr<tcp_socket> tcp_;
  std::unique_ptr<tls_stream> tls_;
};

}  // namespace stampede::net

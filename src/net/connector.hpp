// SPDX-License-Identifier: Apache-2.0
// How a worker opens connections to the target: resolved endpoints, source addresses rotated
// across connections, and TLS settings. dial() opens one connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "net/stream.hpp"

namespace stampede::net {

struct connect_settings {
  std::vector<asio::ip::tcp::endpoint> endpoints;  ///< resolved once, before the run
  std::vector<asio::ip::address> bind_addresses;   ///< --bind; rotated per connection
  bool tls = false;
  bool insecure = false;    ///< skip certificate verification
  std::string server_name;  ///< SNI and certificate host name
  /// Application protocols offered by ALPN, in order ("h2"); empty offers none.
  std::vector<std::string> alpn;
};

/// Creates the client TLS context: system trust store, peer verification unless insecure,
/// `alpn` offered in the handshake.
std::shared_ptr<asio::ssl::context> make_client_tls_context(
    bool insecure, const std::vector<std::string>& alpn = {});

/// The protocol the server chose by ALPN on a handshaken stream; empty when none.
std::string alpn_selected(stream& s);

/// Parses "127.0.0.2-127.0.0.9" or "10.0.0.1,10.0.0.2" (IPv4 ranges or comma lists).
/// Throws std::invalid_argument naming the bad part.
std::vector<asio::ip::address> parse_bind_addresses(const std::string& text);

/// Resolves host:port once (blocking; before the run). Throws boost::system::system_error.
std::vector<asio::ip::tcp::endpoint> resolve(const std::string& host, std::uint16_t port);

struct dial_result {
  boost::system::error_code error;
  enum class stage { connect, tls } failed_at = stage::connect;
  std::chrono::nanoseconds connect_time{};
  std::chrono::nanoseconds tls_time{};
  std::string endpoint;  ///< "127.0.0.1:8080", for error messages
};

/// One worker's view of connect_settings. Not thread-safe: one per worker thread.
class connector {
 public:
  explicit connector(connect_settings settings);

  const connect_settings& settings() const { return settings_; }
  /// A new, unconnected stream of the right kind.
  std::unique_ptr<stream> make_stream(asio::io_context& ctx);

  /// Opens the socket, binds the next source address, connects to the next endpoint and, for
  /// TLS, handshakes. Deadlines are the caller's: it closes the stream to abort.
  asio::awaitable<dial_result> dial(stream& s);

 private:
  connect_settings settings_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  std::size_t next_endpoint_ = 0;
  std::size_t next_bind_ = 0;
};

}  // namespace stampede::net

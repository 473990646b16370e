// SPDX-License-Identifier: Apache-2.0
// The two kinds of connection the target serves, plain TCP and TLS over TCP, and the TCP
// socket under each (for options, shutdown and close, which TLS does not change).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace stampede::target::detail {

using tcp_stream = boost::asio::ip::tcp::socket;
using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

inline boost::asio::ip::tcp::socket& tcp_of(tcp_stream& s) {
  return s;
}
inline boost::asio::ip::tcp::socket& tcp_of(tls_stream& s) {
  return s.next_layer();
}

}  // namespace stampede::target::detail

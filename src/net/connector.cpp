// SPDX-License-Identifier: Apache-2.0
#include "net/connector.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>

#include <stdexcept>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace stampede::net {
namespace {

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

std::string to_string(const asio::ip::tcp::endpoint& ep) {
  if (ep.address().is_v6()) {
    return fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  }
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_client_tls_context(bool insecure,
                                                            const std::vector<std::string>& alpn) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3);
  if (!alpn.empty()) {
    std::string wire;  // length-prefixed names, as the TLS extension carries them
    for (const auto& name : alpn) {
      wire += static_cast<char>(name.size());
      wire += name;
    }
    SSL_CTX_set_alpn_protos(ctx->native_handle(),
                            reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size()));
  }
  if (insecure) {
    ctx->set_verify_mode(asio::ssl::verify_none);
  } else {
    ctx->set_default_verify_paths();
    ctx->set_verify_mode(asio::ssl::verify_peer);
  }
  return ctx;
}

std::vector<asio::ip::address> parse_bind_addresses(const std::string& text) {
  std::vector<asio::ip::address> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    const auto item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    boost::system::error_code ec;
    if (const auto dash = item.find('-'); dash != std::string::npos) {
      const auto first = asio::ip::make_address_v4(item.substr(0, dash), ec);
      if (ec) {
        throw std::invalid_argument("invalid address '" + item.substr(0, dash) + "' in --bind");
      }
      const auto last = asio::ip::make_address_v4(item.substr(dash + 1), ec);
      if (ec) {
        throw std::invalid_argument("invalid address '" + item.substr(dash + 1) + "' in --bind");
      }
      if (last.to_uint() < first.to_uint() || last.to_uint() - first.to_uint() > 65536) {
        throw std::invalid_argument("invalid range '" + item + "' in --bind");
      }
      for (auto a = first.to_uint(); a <= last.to_uint(); ++a) {
        out.emplace_back(asio::ip::address_v4(a));
      }
    } else {
      const auto a = asio::ip::make_address(item, ec);
      if (ec) {
        throw std::invalid_argument("invalid address '" + item + "' in --bind");
      }
      out.push_back(a);
    }
    if (comma == std::string::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out;
}

std::vector<asio::ip::tcp::endpoint> resolve(const std::string& host, std::uint16_t port) {
  asio::io_context ctx;
  asio::ip::tcp::resolver resolver(ctx);
  std::vector<asio::ip::tcp::endpoint> out;
  for (const auto& entry : resolver.resolve(host, std::to_string(port))) {
    out.push_back(entry.endpoint());
  }
  return out;
}

connector::connector(connect_settings settings) : settings_(std::move(settings)) {
  if (settings_.tls) {
    tls_context_ = make_client_tls_context(settings_.insecure, settings_.alpn);
  }
}

std::unique_ptr<stream> connector::make_stream(asio::io_context& ctx) {
  if (tls_context_) {
    return std::make_unique<stream>(ctx, *tls_context_);
  }
  return std::make_unique<stream>(ctx);
}

std::string alpn_selected(stream& s) {
  if (s.tls() == nullptr) {
    return {};
  }
  const unsigned char* name = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(s.tls()->native_handle(), &name, &length);
  return name == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(name), length);
}

asio::awaitable<dial_result> connector::dial(stream& s) {
  using clock = std::chrono::steady_clock;
  dial_result result;
  const auto& endpoint = settings_.endpoints[next_endpoint_++ % settings_.endpoints.size()];
  result.endpoint = to_string(endpoint);
  auto& sock = s.socket();
  sock.open(endpoint.protocol(), result.error);
  if (result.error) {
    co_return result;
  }
  if (!settings_.bind_addresses.empty()) {
    const auto& source = settings_.bind_addresses[next_bind_++ % settings_.bind_addresses.size()];
    // Defer the port choice to connect(): the kernel can then reuse a local port for different
    // destinations, which is what lets many source addresses go past 64k connections.
    const int one = 1;
    ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    sock.bind(asio::ip::tcp::endpoint(source, 0), result.error);
    if (result.error) {
      co_return result;
    }
  }
  const auto start = clock::now();
  auto [ec] = co_await sock.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
  result.connect_time = clock::now() - start;
  if (ec) {
    result.error = ec;
    co_return result;
  }
  sock.set_option(asio::ip::tcp::no_delay(true), ec);
  if (auto* tls = s.tls()) {
    result.failed_at = dial_result::stage::tls;
    if (!settings_.server_name.empty()) {
      SSL_set_tlsext_host_name(tls->native_handle(), settings_.server_name.c_str());
      if (!settings_.insecure) {
        tls->set_verify_callback(asio::ssl::host_name_verification(settings_.server_name));
      }
    }
    const auto tls_start = clock::now();
    auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::client,
                                               asio::as_tuple(asio::use_awaitable));
    result.tls_time = clock::now() - tls_start;
    result.error = hec;
  }
  co_return result;
}

}  // namespace stampede::net

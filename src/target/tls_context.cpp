// SPDX-License-Identifier: Apache-2.0
#include "target/tls_context.hpp"

#include <openssl/ssl.h>

#include <stdexcept>
#include <string_view>

#include <boost/system/system_error.hpp>

namespace stampede::target {
namespace {

/// Picks h2 when the client offers it, else http/1.1, else no protocol (the handshake goes on,
/// as for a client that sends no ALPN).
int select_protocol(SSL*, const unsigned char** out, unsigned char* out_length,
                    const unsigned char* offered, unsigned offered_length, void*) {
  for (const std::string_view wanted : {"h2", "http/1.1"}) {
    for (unsigned i = 0; i < offered_length;) {
      const unsigned length = offered[i];
      if (i + 1 + length > offered_length) {
        break;
      }
      const std::string_view name(reinterpret_cast<const char*>(offered + i + 1), length);
      if (name == wanted) {
        *out = offered + i + 1;
        *out_length = static_cast<unsigned char>(length);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + length;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const std::string& cert_file,
                                                                   const std::string& key_file) {
  namespace ssl = boost::asio::ssl;
  if (cert_file.empty() || key_file.empty()) {
    throw std::runtime_error("TLS needs both --tls-cert and --tls-key");
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::single_dh_use);
  try {
    ctx->use_certificate_chain_file(cert_file);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(cert_file +
                             ": cannot use it as a PEM certificate chain: " + e.code().message());
  }
  try {
    ctx->use_private_key_file(key_file, ssl::context::pem);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(key_file +
                             ": cannot use it as a PEM private key: " + e.code().message());
  }
  SSL_CTX_set_alpn_select_cb(ctx->native_handle(), &select_protocol, nullptr);
  return ctx;
}

}  // namespace stampede::target

// SPDX-License-Identifier: Apache-2.0
// The target's TLS: a server context from PEM files that offers h2 and http/1.1 by ALPN.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace stampede::target {

/// Loads the certificate chain and private key. Throws std::runtime_error naming the file
/// that could not be used.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const std::string& cert_file,
                                                                   const std::string& key_file);

}  // namespace stampede::target

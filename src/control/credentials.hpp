// SPDX-License-Identifier: Apache-2.0
// The controller's secrets: a private CA, a server certificate it signs, and an access token.
// Created in the data directory on first start, reused after; clients trust only this CA and
// present the token on every call.
#pragma once

#include <string>

namespace stampede::control {

/// The name every controller certificate carries and every client verifies, whatever address
/// it dials (NAT, Kubernetes services): only this controller's private CA can sign it.
inline constexpr const char* controller_tls_name = "stampede-controller";

struct controller_credentials {
  std::string ca_pem;           ///< DIR/ca.pem: give it to clients and agents
  std::string server_cert_pem;  ///< DIR/server.pem
  std::string server_key_pem;   ///< DIR/server-key.pem
  std::string token;            ///< DIR/token: 64 hex characters
  /// DIR/monitor-token: lets `stampede monitor` stream samples and do nothing else, so the
  /// server's host never holds the token that starts runs.
  std::string monitor_token;
};

/// Loads the credentials from `data_dir`, creating the directory, the CA, the token and the
/// server certificate where missing (keys and token are written with mode 0600). Throws
/// std::runtime_error naming the file on failure.
controller_credentials load_or_create_credentials(const std::string& data_dir);

/// A certificate for the web UI at `host` (an IP address or a name), signed by the CA of
/// `data_dir` (load_or_create_credentials() first): its names are `host`, localhost,
/// 127.0.0.1 and ::1 (and this machine's name for 0.0.0.0 or ::). Made again at every start,
/// as DIR/http.pem and DIR/http-key.pem; a browser that trusts ca.pem trusts it.
struct web_certificate {
  std::string cert_pem;
  std::string key_pem;
};
web_certificate issue_web_certificate(const std::string& data_dir, const std::string& host);

/// Reads a whole file; throws std::runtime_error naming it.
std::string read_file(const std::string& path);

/// Reads a token file, without the trailing newline; throws std::runtime_error naming it.
std::string read_token(const std::string& path);

/// Constant-time comparison, for tokens.
bool same_secret(const std::string& a, const std::string& b);

}  // namespace stampede::control

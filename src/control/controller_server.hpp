// SPDX-License-Identifier: Apache-2.0
// `stampede controller`: the daemon that keeps campaigns (and, later, runs and agents) in its
// database and serves the control plane over TLS, token required on every call.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace grpc {
class Server;
}

namespace stampede::storage {
class results_db;
}

namespace stampede::control {

class control_service;
class controller_outputs;
class controller_web;

struct controller_options {
  std::string listen = "127.0.0.1:7700";  ///< HOST:PORT; port 0 picks a free one
  std::string data_dir = "stampede-controller";
  /// How long agents go on without the controller before they stop their load.
  std::chrono::milliseconds lease{60'000};
  /// --http HOST:PORT: the web UI and JSON API there; empty: none.
  std::string http;
  /// --http-cert/--http-key: PEM files it is served with over TLS. Without them, off loopback,
  /// it is served over TLS with a certificate from the controller's CA (DIR/http.pem).
  std::string http_cert;
  std::string http_key;
  /// --out KIND=TARGET, for every run (docs/outputs.md).
  std::vector<std::string> outputs;
};

/// Thread-safety: shutdown() may be called from any thread; the rest from the owner's.
class controller_server {
 public:
  /// Creates the data directory's credentials and database if missing, binds and starts
  /// serving. Throws std::runtime_error with a message fit for the user.
  explicit controller_server(const controller_options& options);
  ~controller_server();

  /// The bound port (the real one when asked for port 0).
  int port() const { return port_; }
  /// The web UI's address, "http://HOST:PORT/"; empty without --http.
  std::string web_url() const;
  /// What every run's outputs are ("prometheus: http://127.0.0.1:9464/metrics (every run)").
  std::vector<std::string> output_descriptions() const;
  /// Blocks until shutdown().
  void wait();
  void shutdown();

 private:
  std::unique_ptr<storage::results_db> db_;
  std::unique_ptr<controller_outputs> outputs_;  ///< before the service: its runs use it
  std::unique_ptr<control_service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<controller_web> web_;
  int port_ = 0;
};

}  // namespace stampede::control

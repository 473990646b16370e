// SPDX-License-Identifier: Apache-2.0
#include "control/controller_server.hpp"

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "control/control_service.hpp"
#include "control/controller_outputs.hpp"
#include "control/controller_web.hpp"
#include "control/credentials.hpp"
#include "storage/results_db.hpp"

namespace stampede::control {

namespace {

/// The web UI's TLS: the files given, else off loopback a certificate from the controller's CA
/// for the host; on loopback, none unless files are given.
std::shared_ptr<boost::asio::ssl::context> web_tls(const controller_options& options,
                                                   const std::string& host) {
  if (options.http_cert.empty() != options.http_key.empty()) {
    throw std::runtime_error("--http-cert and --http-key go together");
  }
  try {
    if (!options.http_cert.empty()) {
      try {
        return web::server_tls(read_file(options.http_cert), read_file(options.http_key));
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(
            fmt::format("{} and {}: {}", options.http_cert, options.http_key, e.what()));
      }
    }
    if (web::is_loopback_host(host)) {
      return nullptr;
    }
    const auto cert = issue_web_certificate(options.data_dir, host);
    return web::server_tls(cert.cert_pem, cert.key_pem);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("--http: {}", e.what()));
  }
}

}  // namespace

controller_server::controller_server(const controller_options& options) {
  const auto creds = load_or_create_credentials(options.data_dir);
  db_ = std::make_unique<storage::results_db>(
      (std::filesystem::path(options.data_dir) / "stampede.db").string());
  try {
    outputs_ = std::make_unique<controller_outputs>(options.outputs, options.data_dir);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("--out: {}", e.what()));
  }
  service_ = std::make_unique<control_service>(creds.token, creds.monitor_token, *db_);
  service_->runs().set_outputs(outputs_.get());
  service_->set_lease(options.lease);

  grpc::SslServerCredentialsOptions tls;
  tls.pem_key_cert_pairs.push_back({creds.server_key_pem, creds.server_cert_pem});
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::SslServerCredentials(tls), &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    throw std::runtime_error(fmt::format("cannot listen on {}", options.listen));
  }
  if (!options.http.empty()) {
    web::listen_address where;
    try {
      where = web::parse_listen_address(options.http);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(fmt::format("--http: {}", e.what()));
    }
    web_ = std::make_unique<controller_web>(
        where, *service_, (std::filesystem::path(options.data_dir) / "stampede.db").string(),
        creds.token, web_tls(options, where.host));
  }
}

controller_server::~controller_server() {
  shutdown();
  web_.reset();  // before the service its pages call
}

std::vector<std::string> controller_server::output_descriptions() const {
  return outputs_->descriptions();
}

std::string controller_server::web_url() const {
  return web_ ? web_->url() : "";
}

void controller_server::wait() {
  server_->Wait();
}

void controller_server::shutdown() {
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
}

}  // namespace stampede::control

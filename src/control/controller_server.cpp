// SPDX-License-Identifier: Apache-2.0
#include "control/controller_server.hpp"

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "control/control_service.hpp"
#include "control/credentials.hpp"
#include "storage/results_db.hpp"

namespace stampede::control {

controller_server::controller_server(const controller_options& options) {
  const auto creds = load_or_create_credentials(options.data_dir);
  db_ = std::make_unique<storage::results_db>(
      (std::filesystem::path(options.data_dir) / "stampede.db").string());
  service_ = std::make_unique<control_service>(creds.token, *db_);
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
}

controller_server::~controller_server() {
  shutdown();
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

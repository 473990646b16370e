// SPDX-License-Identifier: Apache-2.0
// `stampede controller --http HOST:PORT`: the controller's web UI and JSON API (docs/api.md):
// runs (live with the dashboard, finished with their report), campaigns to start, agents, and
// stopping a run, behind the controller's access token.
#pragma once

#include <memory>
#include <string>

#include "web/access_gate.hpp"
#include "web/dashboard.hpp"
#include "web/http_server.hpp"
#include "web/run_api.hpp"

namespace stampede::control {

class control_service;

class controller_web {
 public:
  /// Listens on `where` and serves until destroyed. Throws std::runtime_error naming the
  /// address when it cannot.
  /// Over TLS with `tls` (the cookie then Secure too).
  controller_web(const web::listen_address& where, control_service& service,
                 const std::string& db_path, const std::string& token,
                 std::shared_ptr<boost::asio::ssl::context> tls);
  ~controller_web();

  /// "http://HOST:PORT/", or https
  std::string url() const;

 private:
  web::route_result answer(const web::http_request& r);
  web::route_result api(const web::http_request& r, const web::access_gate::caller& who);
  web::http_response run_page(std::int64_t id, const web::access_gate::caller& who, bool download);

  control_service& service_;
  web::run_api runs_api_;
  web::access_gate gate_;
  std::unique_ptr<web::http_server> server_;
};

}  // namespace stampede::control

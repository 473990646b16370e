// SPDX-License-Identifier: Apache-2.0
// `stampede run --dashboard`: the report's page, live, for the one run going on, at
// http://127.0.0.1:5665/ by default. The page gets the run so far from the database and then
// one server-sent event a second; the run never waits for a browser.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "web/http_server.hpp"
#include "web/run_api.hpp"

namespace stampede::web {

/// Where --dashboard listens unless --dashboard-address says otherwise.
inline constexpr const char* default_dashboard_address = "127.0.0.1:5665";

struct listen_address {
  std::string host;
  unsigned short port = 0;
};
/// "HOST:PORT" or "[IPv6]:PORT". Throws std::invalid_argument saying what is wrong.
listen_address parse_listen_address(const std::string& text);

class dashboard {
 public:
  /// Listens at once, so a taken port is an error before the run starts; serves the run of
  /// `db_path` that show() names from then on (a browser early waits for it in the backlog).
  dashboard(const listen_address& where, const std::string& db_path);
  ~dashboard();

  /// "http://HOST:PORT/"
  std::string url() const;
  /// The run to serve, once it is stored (and its database is there); call it once.
  void show(std::int64_t run_id);
  /// After the run's summary is stored: the open pages get their last seconds and the summary
  /// (up to `grace`), then the server closes.
  void finish(std::chrono::milliseconds grace);

 private:
  route_result answer(const http_request& r);
  bool host_allowed(const std::string& host) const;

  std::atomic<std::int64_t> run_id_{0};
  run_api api_;
  std::unique_ptr<http_server> server_;
  bool loopback_ = true;
};

}  // namespace stampede::web

// SPDX-License-Identifier: Apache-2.0
#include "web/dashboard.hpp"

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "report/report_data.hpp"
#include "report/report_page.hpp"
#include "report/second_data.hpp"

namespace stampede::web {

listen_address parse_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::invalid_argument(fmt::format("expected HOST:PORT, got '{}'", text));
  }
  listen_address out;
  out.host = text.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  } else if (out.host.find(':') != std::string::npos) {
    throw std::invalid_argument(
        fmt::format("an IPv6 address goes in brackets, as [::1]:5665; got '{}'", text));
  }
  const auto port = std::string_view(text).substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    throw std::invalid_argument(
        fmt::format("the port is a number from 0 to 65535; got '{}' in '{}'", port, text));
  }
  out.port = static_cast<unsigned short>(value);
  return out;
}

dashboard::dashboard(const listen_address& where, const std::string& db_path)
    : api_(db_path, [this](std::int64_t id) { return id != 0 && id == run_id_.load(); }),
      server_(std::make_unique<http_server>(where.host, where.port,
                                            [this](const http_request& r) { return answer(r); })) {
  loopback_ = is_loopback_host(where.host);
}

void dashboard::show(std::int64_t run_id) {
  run_id_.store(run_id);
  server_->start();
}

dashboard::~dashboard() {
  finish(std::chrono::milliseconds(0));
}

std::string dashboard::url() const {
  return fmt::format("http://{}/", server_->address());
}

void dashboard::finish(std::chrono::milliseconds grace) {
  server_->stop(grace);
}

bool dashboard::host_allowed(const std::string& host) const {
  // On loopback, only names of loopback: a page elsewhere that rebinds its own name to
  // 127.0.0.1 (DNS rebinding) cannot read the run.
  if (!loopback_) {
    return true;
  }
  const auto port = std::to_string(server_->port());
  for (const char* name : {"127.0.0.1", "localhost", "[::1]"}) {
    if (host == std::string(name) + ":" + port || host == name) {
      return true;
    }
  }
  return host.starts_with("127.") && host.ends_with(":" + port);
}

route_result dashboard::answer(const http_request& r) {
  if (!host_allowed(r.header("host"))) {
    return http_response::error(421, "this dashboard answers to 127.0.0.1 and localhost only");
  }
  if (auto api = api_.route(r)) {
    return std::move(*api);
  }
  if (r.path != "/" && r.path != "/index.html") {
    return http_response::error(404, "no such page: " + r.path);
  }
  if (r.method != "GET") {
    return http_response::error(405, r.method + " is not allowed here: GET only");
  }
  const auto id = run_id_.load();
  const auto run = id != 0 ? api_.db().find_run(id) : std::nullopt;
  if (!run) {
    http_response starting{503,
                           "text/html; charset=utf-8",
                           "<!DOCTYPE html><meta http-equiv=\"refresh\" content=\"1\">"
                           "<title>stampede</title><p>The run is starting.</p>",
                           {{"Retry-After", "1"}}};
    return starting;
  }
  // The run so far, from the database; the page then follows its events from the last second
  // it has.
  const auto seconds = api_.db().intervals(id, -1, report::drawn_histograms());
  auto data = report::report_data(*run, seconds);
  const auto last = seconds.empty() ? std::int64_t{-1} : seconds.back().index;
  if (run->status == "running") {
    data["live"] = {{"events", fmt::format("/api/runs/{}/events", id)}, {"after", last}};
  }
  return http_response::html(report::render_page(data));
}

}  // namespace stampede::web

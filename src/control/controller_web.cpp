// SPDX-License-Identifier: Apache-2.0
#include "control/controller_web.hpp"

#include <iostream>
#include <map>

#include <fmt/format.h>

#include "control/call_error.hpp"
#include "control/control_service.hpp"
#include "report/report_data.hpp"
#include "report/report_page.hpp"
#include "report/second_data.hpp"
#include "report/web_assets.hpp"

namespace stampede::control {
namespace {

using nlohmann::json;

unsigned http_status_of(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 409;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

json run_info_json(const v1::RunInfo& r) {
  json agents = json::array();
  for (const auto& a : r.agents()) {
    agents.push_back({{"name", a.name()},
                      {"state", a.state()},
                      {"first_worker", a.first_worker()},
                      {"workers", a.workers()},
                      {"clock_offset_ms", a.clock_offset_ms()}});
  }
  return {{"id", r.run_id()},
          {"name", r.campaign()},
          {"status", r.status()},
          {"exit_code", r.exit_code()},
          {"started_at_ms", r.started_at_ms()},
          {"ended_at_ms", r.ended_at_ms()},
          {"command", r.command()},
          {"agents", agents},
          {"events", json(std::vector<std::string>(r.events().begin(), r.events().end()))},
          {"degraded", r.degraded()},
          {"requests", r.requests()},
          {"failed", r.failed()}};
}

/// "/api/campaigns/shop/start" -> "shop"; the name between `prefix` and `suffix`.
std::optional<std::string> between(const std::string& path, std::string_view prefix,
                                   std::string_view suffix) {
  if (!path.starts_with(prefix) || !path.ends_with(suffix) ||
      path.size() <= prefix.size() + suffix.size()) {
    return std::nullopt;
  }
  return path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
}

web::http_response ui_page(const std::string& csrf) {
  std::string page(report::assets::ui_html);
  report::fill_marker(page, "/*@ui_css@*/", report::assets::ui_css);
  report::fill_marker(page, "/*@ui_js@*/", report::assets::ui_js);
  report::fill_marker(page, "@csrf@", csrf);  // hex: nothing to escape
  return web::http_response::html(std::move(page));
}

}  // namespace

controller_web::controller_web(const web::listen_address& where, control_service& service,
                               const std::string& db_path, const std::string& token,
                               std::shared_ptr<boost::asio::ssl::context> tls)
    : service_(service),
      runs_api_(db_path, [](std::int64_t) { return true; }),
      gate_(token, tls != nullptr,
            [](const std::string& line) { std::cerr << "stampede controller: " << line << "\n"; }),
      server_(std::make_unique<web::http_server>(
          where.host, where.port, [this](const web::http_request& r) { return answer(r); },
          std::move(tls))) {
  server_->start();
}

controller_web::~controller_web() {
  server_->stop(std::chrono::milliseconds(500));
}

std::string controller_web::url() const {
  return fmt::format("{}://{}/", server_->tls() ? "https" : "http", server_->address());
}

web::route_result controller_web::answer(const web::http_request& r) {
  if (r.path == "/sign-in") {
    if (r.method == "POST") {
      return gate_.sign_in(r);
    }
    const auto next = r.query.find("next");
    return web::access_gate::sign_in_page(200, "", next == r.query.end() ? "/" : next->second);
  }
  const auto who = gate_.check(r);
  if (!who) {
    if (r.path.starts_with("/api/")) {
      auto refused = web::http_response::error(
          401, "the controller's token is needed: Authorization: Bearer TOKEN");
      refused.headers.emplace_back("WWW-Authenticate", "Bearer");
      return refused;
    }
    return web::access_gate::sign_in_page(401, "", r.path);
  }
  if (r.method == "POST" && r.path == "/sign-out") {
    return gate_.sign_out(r);
  }
  if (r.method == "POST" && !web::access_gate::may_change(r, *who)) {
    return web::http_response::error(403, "a signed-in page's POST carries its X-CSRF-Token");
  }
  if (r.path.starts_with("/api/")) {
    return api(r, *who);
  }
  if (r.method != "GET") {
    return web::http_response::error(405, r.method + " is not allowed here");
  }
  if (r.path == "/" || r.path == "/runs" || r.path == "/campaigns" || r.path == "/agents") {
    return ui_page(who->csrf);
  }
  if (const auto id = between(r.path, "/runs/", "/report.html")) {
    if (const auto n = web::whole_number(*id)) {
      return run_page(*n, *who, true);
    }
  }
  if (r.path.starts_with("/runs/")) {
    if (const auto n = web::whole_number(std::string_view(r.path).substr(6))) {
      return run_page(*n, *who, false);
    }
  }
  return web::http_response::error(404, "no such page: " + r.path);
}

web::route_result controller_web::api(const web::http_request& r, const web::access_gate::caller&) {
  try {
    if (const auto id = between(r.path, "/api/runs/", "/stop"); id && r.method != "POST") {
      return web::http_response::error(405, "POST only: it stops the run");
    }
    if (const auto id = between(r.path, "/api/runs/", "/stop")) {
      const auto n = web::whole_number(*id);
      if (!n) {
        return web::http_response::error(400, "a run id is a number, not '" + *id + "'");
      }
      const auto body = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
      const bool abort = body.is_object() && body.value("abort", false);
      return web::http_response::json(200, run_info_json(service_.runs().stop(*n, abort)));
    }
    if (auto answer = runs_api_.route(r)) {
      return std::move(*answer);
    }
    if (r.path == "/api/agents" && r.method == "GET") {
      const auto reply = service_.agents();
      json agents = json::array();
      for (const auto& a : reply.agents()) {
        agents.push_back({{"name", a.name()},
                          {"healthy", a.connected()},
                          {"cores", a.cores()},
                          {"open_files", a.open_files()},
                          {"version", a.version()},
                          {"peer", a.peer()},
                          {"first_seen_ms", a.first_seen_ms()},
                          {"last_heartbeat_ms", a.last_heartbeat_ms()},
                          {"clock_offset_ms", a.clock_offset_ms()},
                          {"round_trip_ms", a.round_trip_ms()},
                          {"assignment", a.assignment()}});
      }
      return web::http_response::json(200, agents);
    }
    if (r.path == "/api/campaigns" && r.method == "GET") {
      json campaigns = json::array();
      for (const auto& c : runs_api_.db().list_campaigns()) {
        campaigns.push_back({{"name", c.name},
                             {"text", c.text},
                             {"source_file", c.source_file},
                             {"created_at_ms", c.created_at_ms},
                             {"updated_at_ms", c.updated_at_ms},
                             {"has_data", !c.data_text.empty()}});
      }
      return web::http_response::json(200, campaigns);
    }
    if (const auto name = between(r.path, "/api/campaigns/", "/start");
        name && r.method == "POST") {
      const auto body = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
      if (!body.is_object()) {
        return web::http_response::error(400, "the body is a JSON object: {\"agents\": N}");
      }
      const auto agents = body.value("agents", 0);
      if (agents < 0) {
        return web::http_response::error(400, "agents: 0 (all healthy ones) or more");
      }
      std::map<std::string, std::string> parameters;
      const auto env = body.value("env", json::object());  // items() refers to it: keep it
      for (const auto& [k, v] : env.items()) {
        parameters[k] = v.is_string() ? v.get<std::string>() : v.dump();
      }
      const auto command = fmt::format("stampede start {} (web UI{})", *name,
                                       agents > 0 ? fmt::format(", {} agents", agents) : "");
      const auto info = service_.runs().start(*name, static_cast<std::uint32_t>(agents), command,
                                              parameters, body.value("target", ""));
      return web::http_response::json(201, run_info_json(info));
    }
  } catch (const call_error& e) {
    return web::http_response::error(http_status_of(e.code()), e.what());
  } catch (const json::exception& e) {
    return web::http_response::error(400, e.what());
  }
  if (r.path == "/api/agents" || r.path == "/api/campaigns" ||
      r.path.starts_with("/api/campaigns/")) {
    return web::http_response::error(405, r.method + " is not allowed on " + r.path);
  }
  return web::http_response::error(404, "no such resource: " + r.path);
}

web::http_response controller_web::run_page(std::int64_t id, const web::access_gate::caller& who,
                                            bool download) {
  const auto run = runs_api_.db().find_run(id);
  if (!run) {
    return web::http_response::error(404, fmt::format("no run {}", id));
  }
  const auto seconds = runs_api_.db().intervals(id, -1, report::drawn_histograms());
  auto data = report::report_data(*run, seconds);
  if (!download) {
    const bool running = run->status == "running";
    data["nav"] = {{"runs", "/runs"}, {"csrf", who.csrf}};
    // The download shows once the run has ended (on a live page too).
    data["nav"]["download"] = fmt::format("/runs/{}/report.html", id);
    if (running) {
      data["live"] = {{"events", fmt::format("/api/runs/{}/events", id)},
                      {"after", seconds.empty() ? std::int64_t{-1} : seconds.back().index}};
      data["nav"]["stop"] = fmt::format("/api/runs/{}/stop", id);
    }
  }
  auto page = web::http_response::html(report::render_page(data));
  if (download) {
    page.headers.emplace_back(
        "Content-Disposition",
        fmt::format("attachment; filename=\"{}\"", fmt::format("stampede-report-{}.html", id)));
  }
  return page;
}

}  // namespace stampede::control

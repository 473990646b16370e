// SPDX-License-Identifier: Apache-2.0
#include "web/run_api.hpp"

#include <string_view>
#include <vector>

#include "report/report_data.hpp"
#include "report/second_data.hpp"

namespace stampede::web {
namespace {

using nlohmann::json;

/// How often a live stream looks for new seconds: the run stores one a second; a quarter
/// second keeps the page at most that far behind.
constexpr std::chrono::milliseconds poll_period(250);

/// "/api/runs/12/intervals" -> {"12", "intervals"}; the parts after "/api/runs".
std::vector<std::string_view> parts_after(std::string_view path, std::string_view prefix) {
  std::vector<std::string_view> out;
  auto rest = path.substr(prefix.size());
  while (!rest.empty()) {
    if (rest.front() == '/') {
      rest.remove_prefix(1);
      continue;
    }
    const auto slash = rest.find('/');
    out.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  return out;
}

bool finished(const storage::run_record& run) {
  return run.status != "running";
}

/// The stored summary; "{}" for a run that ended without one (lost with its controller).
std::string summary_text(const storage::run_record& run) {
  return run.summary_json.empty() ? "{}" : run.summary_json;
}

}  // namespace

run_api::run_api(std::string db_path, std::function<bool(std::int64_t)> visible)
    : db_path_(std::move(db_path)), visible_(std::move(visible)) {}

storage::results_db& run_api::db() {
  if (!db_) {
    db_ = std::make_unique<storage::results_db>(db_path_);
  }
  return *db_;
}

std::optional<route_result> run_api::route(const http_request& r) {
  constexpr std::string_view prefix = "/api/runs";
  if (r.path != prefix && !r.path.starts_with("/api/runs/")) {
    return std::nullopt;
  }
  if (r.method != "GET") {
    auto no = http_response::error(405, r.method + " is not allowed here: GET only");
    no.headers.emplace_back("Allow", "GET");
    return no;
  }
  const auto parts = parts_after(r.path, prefix);
  if (parts.empty()) {
    json runs = json::array();
    for (const auto& run : db().list_runs(200)) {
      if (visible_(run.id)) {
        runs.push_back(report::run_json(run));
      }
    }
    return http_response::json(200, runs);
  }
  const auto id = whole_number(parts[0]);
  if (!id) {
    return http_response::error(400, "a run id is a number, not '" + std::string(parts[0]) + "'");
  }
  const auto run = visible_(*id) ? db().find_run(*id) : std::nullopt;
  if (!run) {
    return http_response::error(404, "no run " + std::to_string(*id));
  }
  std::int64_t after = -1;
  if (const auto a = r.query.find("after"); a != r.query.end()) {
    const auto v = whole_number(a->second);
    if (!v || *v < -1) {
      return http_response::error(400,
                                  "after: a second's index (0, 1, ...), not '" + a->second + "'");
    }
    after = *v;
  }
  if (parts.size() == 1) {
    if (finished(*run)) {
      return http_response{200, "application/json", summary_text(*run), {}};
    }
    report::run_so_far so_far;
    for (const auto& s : db().intervals(*id, -1, {"latency", "schedule_lag"})) {
      so_far.add(s);
    }
    return http_response::json(200, so_far.totals());
  }
  if (parts.size() == 2 && parts[1] == "intervals") {
    json seconds = json::array();
    for (const auto& s : db().intervals(*id, after, {"latency", "schedule_lag"})) {
      seconds.push_back(report::second_json(s));
    }
    return http_response::json(200, seconds);
  }
  if (parts.size() == 2 && parts[1] == "events") {
    // A browser reconnecting says where it was.
    if (const auto last = whole_number(r.header("last-event-id")); last && *last >= after) {
      after = *last;
    }
    return events(*id, after);
  }
  return http_response::error(404, "no such resource: " + r.path);
}

const std::string& run_api::end_of(const storage::run_record& run) {
  // Built once for every page open at the end: it reads the whole run.
  auto& end = ends_[run.id];
  if (end.empty()) {
    const auto all = db().intervals(run.id, -1, report::drawn_histograms());
    const auto summary = json::parse(summary_text(run), nullptr, false);
    end = json({{"run", report::run_json(run)}, {"spectrum", report::spectrum_data(all, summary)}})
              .dump();
  }
  return end;
}

route_result run_api::events(std::int64_t run_id, std::int64_t after) {
  return event_source([this, run_id, after](event_stream& out) -> asio::awaitable<void> {
    // The totals so far count every second, the ones before `after` too.
    report::run_so_far so_far;
    // At most after + 1 seconds come before `after` (indexes count from 0).
    for (const auto& s : db().intervals(run_id, -1, {"latency"}, after + 1)) {
      if (s.index > after) {
        break;
      }
      so_far.add(s);
    }
    std::int64_t last = after;
    for (;;) {
      // The run's state first: a run seen finished has stored all its seconds.
      const auto run = db().find_run(run_id);
      const bool over = !run || finished(*run);
      for (const auto& s : db().intervals(run_id, last, {"latency", "schedule_lag"})) {
        so_far.add(s);
        auto second = report::second_json(s);
        second["so_far"] = so_far.totals();
        const bool sent = co_await out.send("second", std::to_string(s.index), second.dump());
        if (!sent) {
          co_return;
        }
        last = s.index;
      }
      if (over) {
        if (run) {
          const bool sent = co_await out.send("end", "", end_of(*run));
          if (sent) {
            co_await out.send("summary", "", summary_text(*run));
          }
        }
        co_return;
      }
      if (out.closing()) {
        co_return;
      }
      co_await out.wait(poll_period);
    }
  });
}

}  // namespace stampede::web

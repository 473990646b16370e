// SPDX-License-Identifier: Apache-2.0
// The read-only half of stampede's JSON API, over a results database (docs/api.md):
//   GET /api/runs                 the runs, newest first
//   GET /api/runs/ID              the summary, as --summary-json writes it (so far, while running)
//   GET /api/runs/ID/intervals    one object per stored second (?after=INDEX: the later ones)
//   GET /api/runs/ID/events       server-sent events: one per completed second, then the summary
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "storage/results_db.hpp"
#include "web/http_server.hpp"

namespace stampede::web {

class run_api {
 public:
  /// `visible`: the runs it answers for (the local dashboard: its one run); the others are 404.
  run_api(std::string db_path, std::function<bool(std::int64_t)> visible);

  /// The answer to a request under /api/runs; nullopt for any other path. Call it on the
  /// server's thread only: the database connection is that thread's.
  std::optional<route_result> route(const http_request& r);

  /// The database, opened on first use (on the server's thread, not the run's).
  storage::results_db& db();

 private:
  route_result events(std::int64_t run_id, std::int64_t after);
  /// The `end` event of a finished run: its row and its spectrum.
  const std::string& end_of(const storage::run_record& run);

  std::string db_path_;
  std::function<bool(std::int64_t)> visible_;
  std::unique_ptr<storage::results_db> db_;
  std::map<std::int64_t, std::string> ends_;
};

}  // namespace stampede::web

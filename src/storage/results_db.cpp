// SPDX-License-Identifier: Apache-2.0
// The results database on SQLite: schema migrations, runs, intervals, campaigns and agents.
#include "storage/results_db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "storage/detail/sqlite.hpp"

namespace stampede::storage {
namespace {

using detail::statement;
using detail::transaction;

/// Schema migrations, applied in order; migration i brings the file to version i + 1.
/// Never edit one that shipped: files in the field are already at its version. Append.
constexpr const char* migrations[] = {
    // 1: runs and their intervals
    R"sql(
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      command TEXT NOT NULL,
      campaign_text TEXT NOT NULL,
      started_at_ms INTEGER NOT NULL,
      ended_at_ms INTEGER NOT NULL DEFAULT 0,
      status TEXT NOT NULL,
      exit_code INTEGER NOT NULL DEFAULT -1,
      summary_json TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE intervals (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      idx INTEGER NOT NULL,
      started_at_ms INTEGER NOT NULL,
      metrics_json TEXT NOT NULL,
      PRIMARY KEY (run_id, idx)
    );
    CREATE TABLE interval_histograms (
      run_id INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      name TEXT NOT NULL,
      data BLOB NOT NULL,
      PRIMARY KEY (run_id, idx, name),
      FOREIGN KEY (run_id, idx) REFERENCES intervals(run_id, idx) ON DELETE CASCADE
    );
    )sql",
    // 2: campaigns kept by a controller
    R"sql(
    CREATE TABLE campaigns (
      name TEXT PRIMARY KEY,
      text TEXT NOT NULL,
      source_file TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      updated_at_ms INTEGER NOT NULL
    );
    )sql",
    // 3: agents seen by a controller
    R"sql(
    CREATE TABLE agents (
      name TEXT PRIMARY KEY,
      cores INTEGER NOT NULL,
      open_files INTEGER NOT NULL,
      version TEXT NOT NULL,
      first_seen_ms INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL
    );
    )sql",
    // 4: distributed runs: the controller's state of each run, and every agent report as
    // received, kept until the run ends so a restarted controller rebuilds the run exactly
    R"sql(
    CREATE TABLE run_control (
      run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
      state_json TEXT NOT NULL
    );
    CREATE TABLE agent_reports (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      worker INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      report BLOB NOT NULL,
      PRIMARY KEY (run_id, worker, idx)
    );
    )sql",
    // 5: a campaign's CSV data travels with it to the agents
    R"sql(
    ALTER TABLE campaigns ADD COLUMN data_text TEXT NOT NULL DEFAULT '';
    )sql",
    // 6: a distributed run keeps its campaign's CSV data, so a restarted controller can
    // rebuild the run's plan even after the campaign was updated or removed
    R"sql(
    ALTER TABLE run_control ADD COLUMN data_text TEXT NOT NULL DEFAULT '';
    )sql",
    // 7: a kept report names its agent, so a restarted controller keeps the per-agent seconds
    R"sql(
    ALTER TABLE agent_reports ADD COLUMN agent TEXT NOT NULL DEFAULT '';
    )sql",
    // 8: profiles of the system under test (--profile-sut): folded stacks of a window
    R"sql(
    CREATE TABLE sut_profiles (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      monitor TEXT NOT NULL,
      start_s REAL NOT NULL,
      duration_s REAL NOT NULL,
      folded TEXT NOT NULL,
      PRIMARY KEY (run_id, monitor, start_s)
    );
    )sql",
};

constexpr int latest_version = static_cast<int>(std::size(migrations));

constexpr const char* run_columns_without_campaign =
    "id, name, command, '', started_at_ms, ended_at_ms, status, exit_code, summary_json";
constexpr const char* run_columns =
    "id, name, command, campaign_text, started_at_ms, ended_at_ms, status, exit_code, "
    "summary_json";

run_record read_run(const statement& s) {
  run_record r;
  r.id = s.int64(0);
  r.name = s.text(1);
  r.command = s.text(2);
  r.campaign_text = s.text(3);
  r.started_at_ms = s.int64(4);
  r.ended_at_ms = s.int64(5);
  r.status = s.text(6);
  r.exit_code = static_cast<int>(s.int64(7));
  r.summary_json = s.text(8);
  return r;
}

campaign_row read_campaign(const statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.int64(3), s.int64(4), s.text(5)};
}

int read_version(sqlite3* db, const std::string& path) {
  statement s(db, path, "SELECT version FROM schema_version");
  return s.step() ? static_cast<int>(s.int64(0)) : 0;
}

}  // namespace

results_db::results_db(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    // A failed open may still hand out a handle, which carries the reason and must be closed.
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw storage_error(fmt::format("results database {}: {}", path, message));
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    // Opening is lazy: reading the journal mode is the first real access to the file, so a
    // file that is not a database fails here, with its path in the message.
    detail::exec(db_, path_, "PRAGMA journal_mode=WAL");
    detail::exec(db_, path_, "PRAGMA foreign_keys=ON");
    // In WAL mode NORMAL cannot corrupt the file; a power cut may lose the last intervals,
    // which is a fair price for not syncing once a second during a load test.
    detail::exec(db_, path_, "PRAGMA synchronous=NORMAL");
    migrate();
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

results_db::~results_db() {
  sqlite3_close(db_);
}

results_db::results_db(results_db&& other) noexcept
    : path_(std::move(other.path_)), db_(std::exchange(other.db_, nullptr)) {}

results_db& results_db::operator=(results_db&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    path_ = std::move(other.path_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

int results_db::schema_version() const {
  return read_version(db_, path_);
}

int results_db::latest_schema_version() {
  return latest_version;
}

void results_db::migrate() {
  // The write lock first: two processes opening a new file at once must not both migrate.
  transaction tx(db_, path_, transaction::mode::write);
  detail::exec(db_, path_, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  {
    statement count(db_, path_, "SELECT COUNT(*) FROM schema_version");
    if (count.step() && count.int64(0) == 0) {
      count.reset();  // finished before the write below
      detail::exec(db_, path_, "INSERT INTO schema_version (version) VALUES (0)");
    }
  }
  const int current = read_version(db_, path_);
  if (current > latest_version) {
    throw storage_error(
        fmt::format("results database {}: schema version {} is newer than this stampede knows ({})",
                    path_, current, latest_version));
  }
  for (int v = current; v < latest_version; ++v) {
    try {
      detail::exec(db_, path_, migrations[v]);
    } catch (const storage_error& e) {
      throw storage_error(fmt::format("{} (migrating to schema version {})", e.what(), v + 1));
    }
    statement set(db_, path_, "UPDATE schema_version SET version = ?");
    set.bind(1, std::int64_t{v + 1}).run();
  }
  tx.commit();
}

std::int64_t results_db::begin_run(const run_record& r) {
  statement s(db_, path_,
              "INSERT INTO runs (name, command, campaign_text, started_at_ms, status) "
              "VALUES (?, ?, ?, ?, ?)");
  s.bind(1, r.name)
      .bind(2, r.command)
      .bind(3, r.campaign_text)
      .bind(4, r.started_at_ms)
      .bind(5, r.status.empty() ? std::string_view("running") : std::string_view(r.status))
      .run();
  return sqlite3_last_insert_rowid(db_);
}

void results_db::add_interval(const interval_record& iv) {
  transaction tx(db_, path_, transaction::mode::write);
  // An upsert, not INSERT OR REPLACE: REPLACE deletes the old row first, and how that
  // cascades depends on connection settings. Old histograms are dropped explicitly instead.
  statement interval(db_, path_,
                     "INSERT INTO intervals (run_id, idx, started_at_ms, metrics_json) "
                     "VALUES (?, ?, ?, ?) ON CONFLICT (run_id, idx) DO UPDATE SET "
                     "started_at_ms = excluded.started_at_ms, "
                     "metrics_json = excluded.metrics_json");
  interval.bind(1, iv.run_id)
      .bind(2, iv.index)
      .bind(3, iv.started_at_ms)
      .bind(4, iv.metrics_json)
      .run();
  statement drop(db_, path_, "DELETE FROM interval_histograms WHERE run_id = ? AND idx = ?");
  drop.bind(1, iv.run_id).bind(2, iv.index).run();
  statement h(db_, path_,
              "INSERT INTO interval_histograms (run_id, idx, name, data) VALUES (?, ?, ?, ?)");
  for (const auto& [name, bytes] : iv.histograms) {
    h.reset();
    h.bind(1, iv.run_id).bind(2, iv.index).bind(3, name).bind_blob(4, bytes).run();
  }
  tx.commit();
}

void results_db::finish_run(std::int64_t run_id, std::int64_t ended_at_ms,
                            const std::string& status, int exit_code,
                            const std::string& summary_json) {
  statement s(db_, path_,
              "UPDATE runs SET ended_at_ms = ?, status = ?, exit_code = ?, summary_json = ? "
              "WHERE id = ?");
  s.bind(1, ended_at_ms)
      .bind(2, status)
      .bind(3, std::int64_t{exit_code})
      .bind(4, summary_json)
      .bind(5, run_id)
      .run();
  if (sqlite3_changes(db_) == 0) {
    throw storage_error(fmt::format("results database {}: no run {} to finish", path_, run_id));
  }
}

std::vector<run_record> results_db::list_runs(std::size_t limit) const {
  // Runs ids only grow (AUTOINCREMENT never reuses one), so the highest id is the newest run,
  // whatever the clocks of the machines that started them said.
  const auto sql =
      fmt::format("SELECT {} FROM runs ORDER BY id DESC LIMIT ?", run_columns_without_campaign);
  statement s(db_, path_, sql);
  // SQLite reads a negative LIMIT as none.
  s.bind(1, limit > static_cast<std::size_t>(INT64_MAX) ? std::int64_t{-1}
                                                        : static_cast<std::int64_t>(limit));
  std::vector<run_record> out;
  while (s.step()) {
    out.push_back(read_run(s));
  }
  return out;
}

std::optional<run_record> results_db::find_run(std::int64_t id) const {
  const auto sql = fmt::format("SELECT {} FROM runs WHERE id = ?", run_columns);
  statement s(db_, path_, sql);
  s.bind(1, id);
  if (!s.step()) {
    return std::nullopt;
  }
  return read_run(s);
}

std::vector<interval_record> results_db::intervals(std::int64_t run_id) const {
  return intervals(run_id, -1, {});
}

std::vector<interval_record> results_db::intervals(
    std::int64_t run_id, std::int64_t after, const std::vector<std::string>& histogram_prefixes,
    std::int64_t limit) const {
  const auto wanted = [&](std::string_view name) {
    return histogram_prefixes.empty() ||
           std::any_of(histogram_prefixes.begin(), histogram_prefixes.end(),
                       [&](const std::string& p) { return name.starts_with(p); });
  };
  // One snapshot for both queries, so a writer adding an interval in between cannot leave
  // histograms without their interval.
  transaction tx(db_, path_, transaction::mode::read);
  statement s(db_, path_,
              "SELECT idx, started_at_ms, metrics_json FROM intervals WHERE run_id = ? "
              "AND idx > ? ORDER BY idx LIMIT ?");
  s.bind(1, run_id);
  s.bind(2, after);
  s.bind(3, limit);  // a negative LIMIT is none
  std::vector<interval_record> out;
  while (s.step()) {
    interval_record iv;
    iv.run_id = run_id;
    iv.index = s.int64(0);
    iv.started_at_ms = s.int64(1);
    iv.metrics_json = s.text(2);
    out.push_back(std::move(iv));
  }
  statement h(db_, path_,
              "SELECT idx, name, data FROM interval_histograms WHERE run_id = ? AND idx > ? "
              "AND idx <= ? ORDER BY idx, name");
  h.bind(1, run_id);
  h.bind(2, after);
  h.bind(3, out.empty() ? after : out.back().index);
  // Both lists are sorted by index: walk them together.
  std::size_t at = 0;
  while (h.step()) {
    const auto idx = h.int64(0);
    while (at < out.size() && out[at].index < idx) {
      ++at;
    }
    if (at < out.size() && out[at].index == idx) {
      auto name = h.text(1);
      if (!wanted(name)) {
        continue;  // its blob is never read
      }
      out[at].histograms.emplace_back(std::move(name), h.blob(2));
    }
  }
  tx.commit();
  return out;
}

bool results_db::add_campaign(const campaign_row& c) {
  statement s(db_, path_,
              "INSERT OR IGNORE INTO campaigns (name, text, source_file, created_at_ms, "
              "updated_at_ms, data_text) VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, c.name)
      .bind(2, c.text)
      .bind(3, c.source_file)
      .bind(4, c.created_at_ms)
      .bind(5, c.updated_at_ms)
      .bind(6, c.data_text)
      .run();
  return sqlite3_changes(db_) == 1;
}

bool results_db::update_campaign(const campaign_row& c) {
  statement s(db_, path_,
              "UPDATE campaigns SET text = ?, source_file = ?, updated_at_ms = ?, data_text = ? "
              "WHERE name = ?");
  s.bind(1, c.text)
      .bind(2, c.source_file)
      .bind(3, c.updated_at_ms)
      .bind(4, c.data_text)
      .bind(5, c.name)
      .run();
  return sqlite3_changes(db_) == 1;
}

std::vector<campaign_row> results_db::list_campaigns() const {
  statement s(db_, path_,
              "SELECT name, text, source_file, created_at_ms, updated_at_ms, data_text FROM "
              "campaigns ORDER BY name");
  std::vector<campaign_row> out;
  while (s.step()) {
    out.push_back(read_campaign(s));
  }
  return out;
}

std::optional<campaign_row> results_db::find_campaign(const std::string& name) const {
  statement s(db_, path_,
              "SELECT name, text, source_file, created_at_ms, updated_at_ms, data_text FROM "
              "campaigns WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) {
    return std::nullopt;
  }
  return read_campaign(s);
}

bool results_db::remove_campaign(const std::string& name) {
  statement s(db_, path_, "DELETE FROM campaigns WHERE name = ?");
  s.bind(1, name).run();
  return sqlite3_changes(db_) == 1;
}

void results_db::upsert_agent(const agent_row& a) {
  statement s(db_, path_,
              "INSERT INTO agents (name, cores, open_files, version, first_seen_ms, last_seen_ms) "
              "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET cores = excluded.cores, "
              "open_files = excluded.open_files, version = excluded.version, "
              "last_seen_ms = excluded.last_seen_ms");
  s.bind(1, a.name)
      .bind(2, std::int64_t{a.cores})
      .bind(3, static_cast<std::int64_t>(a.open_files))
      .bind(4, a.version)
      .bind(5, a.first_seen_ms)
      .bind(6, a.last_seen_ms)
      .run();
}

std::vector<agent_row> results_db::list_agents() const {
  statement s(db_, path_,
              "SELECT name, cores, open_files, version, first_seen_ms, last_seen_ms FROM agents "
              "ORDER BY name");
  std::vector<agent_row> out;
  while (s.step()) {
    out.push_back({s.text(0), static_cast<std::uint32_t>(s.int64(1)),
                   static_cast<std::uint64_t>(s.int64(2)), s.text(3), s.int64(4), s.int64(5)});
  }
  return out;
}

void results_db::set_run_control(std::int64_t run_id, const std::string& state_json) {
  statement s(db_, path_,
              "INSERT INTO run_control (run_id, state_json) VALUES (?, ?) "
              "ON CONFLICT (run_id) DO UPDATE SET state_json = excluded.state_json");
  s.bind(1, run_id).bind(2, state_json).run();
}

void results_db::set_run_data(std::int64_t run_id, const std::string& data_text) {
  statement s(db_, path_, "UPDATE run_control SET data_text = ? WHERE run_id = ?");
  s.bind(1, data_text).bind(2, run_id).run();
  if (sqlite3_changes(db_) != 1) {
    throw storage_error(fmt::format(
        "results database {}: run {} has no control state to keep its data with", path_, run_id));
  }
}

std::string results_db::run_data(std::int64_t run_id) const {
  statement s(db_, path_, "SELECT data_text FROM run_control WHERE run_id = ?");
  s.bind(1, run_id);
  return s.step() ? s.text(0) : std::string();
}

std::vector<std::pair<std::int64_t, std::string>> results_db::unfinished_run_controls() const {
  statement s(db_, path_,
              "SELECT c.run_id, c.state_json FROM run_control c JOIN runs r ON r.id = c.run_id "
              "WHERE r.status = 'running' ORDER BY c.run_id");
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (s.step()) {
    out.emplace_back(s.int64(0), s.text(1));
  }
  return out;
}

bool results_db::add_agent_report(std::int64_t run_id, std::string_view agent, std::uint32_t worker,
                                  std::int64_t index, std::string_view report) {
  statement s(db_, path_,
              "INSERT OR IGNORE INTO agent_reports (run_id, agent, worker, idx, report) "
              "VALUES (?, ?, ?, ?, ?)");
  s.bind(1, run_id).bind(2, agent).bind(3, std::int64_t{worker}).bind(4, index);
  s.bind_blob(5, report).run();
  return sqlite3_changes(db_) == 1;
}

std::vector<kept_report> results_db::agent_reports(std::int64_t run_id) const {
  statement s(db_, path_,
              "SELECT agent, report FROM agent_reports WHERE run_id = ? ORDER BY worker, idx");
  s.bind(1, run_id);
  std::vector<kept_report> out;
  while (s.step()) {
    out.push_back({s.text(0), s.blob(1)});
  }
  return out;
}

void results_db::drop_agent_reports(std::int64_t run_id) {
  statement s(db_, path_, "DELETE FROM agent_reports WHERE run_id = ?");
  s.bind(1, run_id).run();
}

void results_db::add_profile(const profile_record& p) {
  statement s(db_, path_,
              "INSERT OR REPLACE INTO sut_profiles (run_id, monitor, start_s, duration_s, folded) "
              "VALUES (?, ?, ?, ?, ?)");
  s.bind(1, p.run_id).bind(2, p.monitor).bind(3, p.start_s).bind(4, p.duration_s).bind(5, p.folded);
  s.run();
}

std::vector<profile_record> results_db::profiles(std::int64_t run_id) const {
  statement s(db_, path_,
              "SELECT monitor, start_s, duration_s, folded FROM sut_profiles WHERE run_id = ? "
              "ORDER BY start_s, monitor");
  s.bind(1, run_id);
  std::vector<profile_record> out;
  while (s.step()) {
    out.push_back({run_id, s.text(0), s.real(1), s.real(2), s.text(3)});
  }
  return out;
}

}  // namespace stampede::storage

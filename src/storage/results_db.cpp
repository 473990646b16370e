// SPDX-License-Identifier: Apache-2.0
#include "storage/results_db.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

namespace stampede::storage {
namespace {

/// Schema migrations, applied in order; the index + 1 is the version they bring the file to.
/// Never edit one that shipped: append a new one.
constexpr const char* migrations[] = {
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
    R"sql(
    CREATE TABLE campaigns (
      name TEXT PRIMARY KEY,
      text TEXT NOT NULL,
      source_file TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      updated_at_ms INTEGER NOT NULL
    );
    )sql",
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
};

/// A prepared statement, finalized on scope exit.
class statement {
 public:
  statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      error_ = sqlite3_errmsg(db);
    }
  }
  ~statement() { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  const std::string& error() const { return error_; }

  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_blob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::string blob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
};

run_record read_run(const statement& s, bool with_campaign) {
  run_record r;
  r.id = s.int64(0);
  r.name = s.text(1);
  r.command = s.text(2);
  if (with_campaign) {
    r.campaign_text = s.text(3);
  }
  r.started_at_ms = s.int64(4);
  r.ended_at_ms = s.int64(5);
  r.status = s.text(6);
  r.exit_code = static_cast<int>(s.int64(7));
  r.summary_json = s.text(8);
  return r;
}

constexpr const char* run_columns =
    "id, name, command, campaign_text, started_at_ms, ended_at_ms, status, exit_code, "
    "summary_json";

}  // namespace

results_db::results_db(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw storage_error(fmt::format("results database {}: {}", path, message));
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA foreign_keys=ON");
    exec("PRAGMA synchronous=NORMAL");
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

void results_db::fail(const std::string& what) const {
  throw storage_error(fmt::format("results database {}: {}: {}", path_, what, sqlite3_errmsg(db_)));
}

void results_db::exec(const char* sql) const {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw storage_error(fmt::format("results database {}: {}", path_, message));
  }
}

int results_db::schema_version() const {
  statement s(db_, "SELECT version FROM schema_version");
  if (!s.ok() || s.step() != SQLITE_ROW) {
    return 0;
  }
  return static_cast<int>(s.int64(0));
}

void results_db::migrate() {
  exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  exec("BEGIN IMMEDIATE");
  try {
    statement count(db_, "SELECT COUNT(*) FROM schema_version");
    if (count.step() == SQLITE_ROW && count.int64(0) == 0) {
      exec("INSERT INTO schema_version (version) VALUES (0)");
    }
    const int current = schema_version();
    constexpr int latest = static_cast<int>(std::size(migrations));
    if (current > latest) {
      throw storage_error(
          fmt::format("results database {}: schema version {} is newer than this stampede ({})",
                      path_, current, latest));
    }
    for (int v = current; v < latest; ++v) {
      exec(migrations[v]);
      statement set(db_, "UPDATE schema_version SET version = ?");
      set.bind(1, static_cast<std::int64_t>(v + 1));
      if (set.step() != SQLITE_DONE) {
        fail("migrating");
      }
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::int64_t results_db::begin_run(const run_record& r) {
  statement s(db_,
              "INSERT INTO runs (name, command, campaign_text, started_at_ms, status) "
              "VALUES (?, ?, ?, ?, ?)");
  if (!s.ok()) {
    fail("preparing a run");
  }
  s.bind(1, r.name);
  s.bind(2, r.command);
  s.bind(3, r.campaign_text);
  s.bind(4, r.started_at_ms);
  s.bind(5, r.status.empty() ? std::string("running") : r.status);
  if (s.step() != SQLITE_DONE) {
    fail("storing a run");
  }
  return sqlite3_last_insert_rowid(db_);
}

void results_db::add_interval(const interval_record& iv) {
  exec("BEGIN");
  try {
    statement s(db_,
                "INSERT OR REPLACE INTO intervals (run_id, idx, started_at_ms, metrics_json) "
                "VALUES (?, ?, ?, ?)");
    s.bind(1, iv.run_id);
    s.bind(2, iv.index);
    s.bind(3, iv.started_at_ms);
    s.bind(4, iv.metrics_json);
    if (s.step() != SQLITE_DONE) {
      fail("storing an interval");
    }
    statement h(db_,
                "INSERT OR REPLACE INTO interval_histograms (run_id, idx, name, data) "
                "VALUES (?, ?, ?, ?)");
    for (const auto& [name, bytes] : iv.histograms) {
      h.reset();
      h.bind(1, iv.run_id);
      h.bind(2, iv.index);
      h.bind(3, name);
      h.bind_blob(4, bytes);
      if (h.step() != SQLITE_DONE) {
        fail("storing a histogram");
      }
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void results_db::finish_run(std::int64_t run_id, std::int64_t ended_at_ms,
                            const std::string& status, int exit_code,
                            const std::string& summary_json) {
  statement s(db_,
              "UPDATE runs SET ended_at_ms = ?, status = ?, exit_code = ?, summary_json = ? "
              "WHERE id = ?");
  s.bind(1, ended_at_ms);
  s.bind(2, status);
  s.bind(3, static_cast<std::int64_t>(exit_code));
  s.bind(4, summary_json);
  s.bind(5, run_id);
  if (s.step() != SQLITE_DONE) {
    fail("finishing a run");
  }
}

std::vector<run_record> results_db::list_runs(std::size_t limit) const {
  const auto sql = fmt::format("SELECT {} FROM runs ORDER BY id DESC LIMIT ?", run_columns);
  statement s(db_, sql.c_str());
  s.bind(1, static_cast<std::int64_t>(limit));
  std::vector<run_record> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back(read_run(s, false));
  }
  if (rc != SQLITE_DONE) {
    fail("listing runs");
  }
  return out;
}

std::optional<run_record> results_db::find_run(std::int64_t id) const {
  const auto sql = fmt::format("SELECT {} FROM runs WHERE id = ?", run_columns);
  statement s(db_, sql.c_str());
  s.bind(1, id);
  const int rc = s.step();
  if (rc == SQLITE_ROW) {
    return read_run(s, true);
  }
  if (rc != SQLITE_DONE) {
    fail("reading a run");
  }
  return std::nullopt;
}

std::vector<interval_record> results_db::intervals(std::int64_t run_id) const {
  statement s(db_,
              "SELECT idx, started_at_ms, metrics_json FROM intervals WHERE run_id = ? "
              "ORDER BY idx");
  s.bind(1, run_id);
  std::vector<interval_record> out;
  while (s.step() == SQLITE_ROW) {
    interval_record iv;
    iv.run_id = run_id;
    iv.index = s.int64(0);
    iv.started_at_ms = s.int64(1);
    iv.metrics_json = s.text(2);
    out.push_back(std::move(iv));
  }
  statement h(db_,
              "SELECT idx, name, data FROM interval_histograms WHERE run_id = ? "
              "ORDER BY idx, name");
  h.bind(1, run_id);
  std::size_t at = 0;
  while (h.step() == SQLITE_ROW) {
    const auto idx = h.int64(0);
    while (at < out.size() && out[at].index < idx) {
      ++at;
    }
    if (at < out.size() && out[at].index == idx) {
      out[at].histograms.emplace_back(h.text(1), h.blob(2));
    }
  }
  return out;
}

bool results_db::add_campaign(const campaign_row& c) {
  statement s(db_,
              "INSERT OR IGNORE INTO campaigns (name, text, source_file, created_at_ms, "
              "updated_at_ms) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, c.name);
  s.bind(2, c.text);
  s.bind(3, c.source_file);
  s.bind(4, c.created_at_ms);
  s.bind(5, c.updated_at_ms);
  if (s.step() != SQLITE_DONE) {
    fail("storing a campaign");
  }
  return sqlite3_changes(db_) == 1;
}

bool results_db::update_campaign(const campaign_row& c) {
  statement s(db_,
              "UPDATE campaigns SET text = ?, source_file = ?, updated_at_ms = ? WHERE name = ?");
  s.bind(1, c.text);
  s.bind(2, c.source_file);
  s.bind(3, c.updated_at_ms);
  s.bind(4, c.name);
  if (s.step() != SQLITE_DONE) {
    fail("updating a campaign");
  }
  return sqlite3_changes(db_) == 1;
}

namespace {

campaign_row read_campaign(const statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.int64(3), s.int64(4)};
}

}  // namespace

std::vector<campaign_row> results_db::list_campaigns() const {
  statement s(db_,
              "SELECT name, text, source_file, created_at_ms, updated_at_ms FROM campaigns "
              "ORDER BY name");
  std::vector<campaign_row> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back(read_campaign(s));
  }
  if (rc != SQLITE_DONE) {
    fail("listing campaigns");
  }
  return out;
}

std::optional<campaign_row> results_db::find_campaign(const std::string& name) const {
  statement s(db_,
              "SELECT name, text, source_file, created_at_ms, updated_at_ms FROM campaigns "
              "WHERE name = ?");
  s.bind(1, name);
  const int rc = s.step();
  if (rc == SQLITE_ROW) {
    return read_campaign(s);
  }
  if (rc != SQLITE_DONE) {
    fail("reading a campaign");
  }
  return std::nullopt;
}

bool results_db::remove_campaign(const std::string& name) {
  statement s(db_, "DELETE FROM campaigns WHERE name = ?");
  s.bind(1, name);
  if (s.step() != SQLITE_DONE) {
    fail("removing a campaign");
  }
  return sqlite3_changes(db_) == 1;
}

void results_db::upsert_agent(const agent_row& a) {
  statement s(db_,
              "INSERT INTO agents (name, cores, open_files, version, first_seen_ms, last_seen_ms) "
              "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET cores = excluded.cores, "
              "open_files = excluded.open_files, version = excluded.version, "
              "last_seen_ms = excluded.last_seen_ms");
  s.bind(1, a.name);
  s.bind(2, static_cast<std::int64_t>(a.cores));
  s.bind(3, static_cast<std::int64_t>(a.open_files));
  s.bind(4, a.version);
  s.bind(5, a.first_seen_ms);
  s.bind(6, a.last_seen_ms);
  if (s.step() != SQLITE_DONE) {
    fail("storing an agent");
  }
}

std::vector<agent_row> results_db::list_agents() const {
  statement s(db_,
              "SELECT name, cores, open_files, version, first_seen_ms, last_seen_ms FROM agents "
              "ORDER BY name");
  std::vector<agent_row> out;
  while (s.step() == SQLITE_ROW) {
    out.push_back({s.text(0), static_cast<std::uint32_t>(s.int64(1)),
                   static_cast<std::uint64_t>(s.int64(2)), s.text(3), s.int64(4), s.int64(5)});
  }
  return out;
}

}  // namespace stampede::storage

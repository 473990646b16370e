// SPDX-License-Identifier: Apache-2.0
// The results database: every run, its campaign, its per-second intervals with their
// histograms, and its summary, in one SQLite file (./stampede.db by default).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

struct sqlite3;

namespace stampede::storage {

/// Any database failure; the message names the file and SQLite's error.
class storage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct run_record {
  std::int64_t id = 0;
  std::string name;                ///< campaign name
  std::string command;             ///< the command line as typed
  std::string campaign_text;       ///< the campaign file (or the quick-mode equivalent)
  std::int64_t started_at_ms = 0;  ///< unix time
  std::int64_t ended_at_ms = 0;    ///< 0 while running
  std::string status;              ///< running, completed, interrupted, aborted, failed
  int exit_code = -1;
  std::string summary_json;  ///< empty until finished
};

struct interval_record {
  std::int64_t run_id = 0;
  std::int64_t index = 0;  ///< seconds since the run start
  std::int64_t started_at_ms = 0;
  std::string metrics_json;                                     ///< the interval's counters
  std::vector<std::pair<std::string, std::string>> histograms;  ///< name -> encoded bytes
};

/// A campaign kept by a controller, under a unique name.
struct campaign_row {
  std::string name;
  std::string text;         ///< the YAML as written
  std::string source_file;  ///< where it was read from, for messages
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

/// An agent a controller has seen.
struct agent_row {
  std::string name;
  std::uint32_t cores = 0;
  std::uint64_t open_files = 0;
  std::string version;
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;
};

/// Thread-safety: none; one connection used from one thread. Several processes may share the
/// file (WAL mode, busy timeout).
class results_db {
 public:
  /// Opens or creates the file and applies pending schema migrations.
  explicit results_db(const std::string& path);
  ~results_db();
  results_db(results_db&& other) noexcept;
  results_db& operator=(results_db&& other) noexcept;
  results_db(const results_db&) = delete;
  results_db& operator=(const results_db&) = delete;

  std::int64_t begin_run(const run_record& r);
  /// Stores one interval and its histograms in one transaction.
  void add_interval(const interval_record& iv);
  void finish_run(std::int64_t run_id, std::int64_t ended_at_ms, const std::string& status,
                  int exit_code, const std::string& summary_json);

  /// Newest first, without campaign_text.
  std::vector<run_record> list_runs(std::size_t limit = 50) const;
  std::optional<run_record> find_run(std::int64_t id) const;
  /// Ordered by index.
  std::vector<interval_record> intervals(std::int64_t run_id) const;

  /// False when the name is taken.
  bool add_campaign(const campaign_row& c);
  /// Replaces text and source of an existing campaign; false when there is none.
  bool update_campaign(const campaign_row& c);
  std::vector<campaign_row> list_campaigns() const;  ///< by name
  std::optional<campaign_row> find_campaign(const std::string& name) const;
  /// False when there is no such campaign.
  bool remove_campaign(const std::string& name);

  /// Inserts or refreshes an agent (first_seen_ms is kept from the first time).
  void upsert_agent(const agent_row& a);
  std::vector<agent_row> list_agents() const;  ///< by name

  const std::string& path() const { return path_; }
  /// The schema version after migrations.
  int schema_version() const;

 private:
  void exec(const char* sql) const;
  [[noreturn]] void fail(const std::string& what) const;
  void migrate();

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace stampede::storage

// SPDX-License-Identifier: Apache-2.0
// The results database: every run, its campaign, its per-second intervals with their
// histograms, and its summary, in one SQLite file (./stampede.db by default).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/storage_error.hpp"

struct sqlite3;

namespace stampede::storage {

/// The file used when none is named: stampede.db in the working directory.
inline constexpr const char* default_path = "stampede.db";

/// One row of `runs`.
struct run_record {
  std::int64_t id = 0;
  std::string name;                ///< campaign name
  std::string command;             ///< the command line as typed
  std::string campaign_text;       ///< the campaign file (or the quick-mode equivalent YAML)
  std::int64_t started_at_ms = 0;  ///< unix time, ms
  std::int64_t ended_at_ms = 0;    ///< unix time, ms; 0 while running
  std::string status;              ///< running, completed, interrupted, aborted, failed
  int exit_code = -1;              ///< -1 while running
  std::string summary_json;        ///< empty until finished
};

/// One second of a run.
struct interval_record {
  std::int64_t run_id = 0;
  std::int64_t index = 0;  ///< seconds since the run start
  std::int64_t started_at_ms = 0;
  std::string metrics_json;  ///< the interval's counters, as JSON text
  /// name -> metrics::histogram::encode() bytes, kept byte for byte (BLOB); names are unique
  std::vector<std::pair<std::string, std::string>> histograms;
};

/// A campaign kept by a controller, under a unique name.
struct campaign_row {
  std::string name;
  std::string text;         ///< the YAML as written
  std::string source_file;  ///< where it was read from, for messages
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::string data_text;  ///< the CSV file of its data feeder, as read; empty without one
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

/// A distributed run's report as the controller keeps it until the run ends.
struct kept_report {
  std::string agent;  ///< who sent it
  std::string bytes;  ///< the report as received
};

/// A profile of the system under test over a window of a run (--profile-sut).
struct profile_record {
  std::int64_t run_id = 0;
  std::string monitor;
  double start_s = 0;     ///< since the run's start
  double duration_s = 0;  ///< what was recorded
  std::string folded;     ///< "frame;frame;leaf count" lines
};

/// One open results database. Every failure throws storage_error.
///
/// Thread-safety: none; use one object from one thread. Several processes (and objects) may
/// share the file: it is in WAL mode, so readers never block the writer, and a writer waits
/// up to 5 s for another writer before giving up.
class results_db {
 public:
  /// Opens or creates the file and applies pending schema migrations in order. Throws when the
  /// file cannot be created, is not a database, or was written by a newer stampede.
  explicit results_db(const std::string& path);
  ~results_db();
  results_db(results_db&& other) noexcept;
  results_db& operator=(results_db&& other) noexcept;
  results_db(const results_db&) = delete;
  results_db& operator=(const results_db&) = delete;

  /// Stores a new run (its id is ignored) and returns its id; an empty status means
  /// "running".
  std::int64_t begin_run(const run_record& r);
  /// Stores one interval and its histograms in one transaction. Storing the same
  /// (run_id, index) again replaces the interval and all its histograms. Throws for an
  /// unknown run.
  void add_interval(const interval_record& iv);
  /// Throws for an unknown run.
  void finish_run(std::int64_t run_id, std::int64_t ended_at_ms, const std::string& status,
                  int exit_code, const std::string& summary_json);

  /// The `limit` most recently begun runs, newest first, with campaign_text left empty.
  std::vector<run_record> list_runs(std::size_t limit = 50) const;
  /// The whole run, or nullopt when there is none with that id.
  std::optional<run_record> find_run(std::int64_t id) const;
  /// Ordered by index, histograms by name; empty for an unknown run.
  std::vector<interval_record> intervals(std::int64_t run_id) const;
  /// The seconds after index `after` only, and of their histograms only those whose name
  /// begins with one of `histogram_prefixes` (all of them when it is empty): what a live
  /// page asks for once a second.
  /// At most `limit` of them: a long run's seconds can be read in slices.
  std::vector<interval_record> intervals(std::int64_t run_id, std::int64_t after,
                                         const std::vector<std::string>& histogram_prefixes,
                                         std::int64_t limit = -1) const;

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

  /// Distributed runs: the controller's own state of a run (its agents' shares, events), as
  /// JSON it writes and reads back after a restart.
  void set_run_control(std::int64_t run_id, const std::string& state_json);
  /// The CSV text of the run's data feeder, kept once beside its control state (which must
  /// exist) rather than in every state written; empty when the run has none.
  void set_run_data(std::int64_t run_id, const std::string& data_text);
  std::string run_data(std::int64_t run_id) const;
  /// (run id, state) of runs still marked running that have a controller state.
  std::vector<std::pair<std::int64_t, std::string>> unfinished_run_controls() const;
  /// Keeps `agent`'s report as received; false when (run, worker, index) is already there.
  bool add_agent_report(std::int64_t run_id, std::string_view agent, std::uint32_t worker,
                        std::int64_t index, std::string_view report);
  /// A run's kept reports, by worker then index.
  std::vector<kept_report> agent_reports(std::int64_t run_id) const;
  void drop_agent_reports(std::int64_t run_id);

  /// Stores a profile (again over one of the same run, monitor and start).
  void add_profile(const profile_record& p);
  std::vector<profile_record> profiles(std::int64_t run_id) const;

  const std::string& path() const { return path_; }
  /// The schema version after migrations.
  int schema_version() const;
  /// The schema version this stampede migrates files to.
  static int latest_schema_version();

 private:
  void migrate();

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace stampede::storage

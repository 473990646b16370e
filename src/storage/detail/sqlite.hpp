// SPDX-License-Identifier: Apache-2.0
// Small RAII wrappers over the SQLite C API: a prepared statement and a transaction, both
// throwing storage_error with the database path on failure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace stampede::storage::detail {

/// Throws storage_error("results database <path>: <what>: <SQLite's last error>").
[[noreturn]] void throw_sqlite_error(sqlite3* db, std::string_view path, std::string_view what);

/// A prepared statement, finalized on scope exit. `path` only names the file in errors and
/// must outlive the statement.
class statement {
 public:
  statement(sqlite3* db, std::string_view path, std::string_view sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Parameters count from 1, as in SQL.
  statement& bind(int index, std::int64_t value);
  statement& bind(int index, double value);
  statement& bind(int index, std::string_view text);
  statement& bind_blob(int index, std::string_view bytes);

  /// True when a row is ready to read, false when the statement is done; throws otherwise.
  bool step();
  /// Runs a statement that returns no rows.
  void run();
  /// Makes the statement ready to run again with new bindings.
  void reset();

  // Columns count from 0. NULL reads as 0 or an empty string.
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;

 private:
  void check_bind(int rc, int index);

  sqlite3* db_;
  std::string_view path_;
  std::string_view sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// A transaction rolled back on scope exit unless commit() was reached, so an exception
/// anywhere inside leaves the database as it was.
class transaction {
 public:
  enum class mode {
    read,   ///< BEGIN: a consistent snapshot for several SELECTs
    write,  ///< BEGIN IMMEDIATE: takes the write lock up front, so the busy timeout applies
            ///< there instead of failing halfway through with SQLITE_BUSY
  };

  transaction(sqlite3* db, std::string_view path, mode m);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  void commit();

 private:
  sqlite3* db_;
  std::string_view path_;
  bool done_ = false;
};

/// Runs one or more statements that return nothing of interest.
void exec(sqlite3* db, std::string_view path, const char* sql);

}  // namespace stampede::storage::detail

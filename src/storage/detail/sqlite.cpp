// SPDX-License-Identifier: Apache-2.0
// Prepared statements and transactions over the SQLite C API.
#include "storage/detail/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include "storage/storage_error.hpp"

namespace stampede::storage::detail {

void throw_sqlite_error(sqlite3* db, std::string_view path, std::string_view what) {
  // sqlite3_errmsg copes with a null handle ("out of memory"), which is what a failed open
  // without a handle means.
  throw storage_error(fmt::format("results database {}: {}: {}", path, what, sqlite3_errmsg(db)));
}

statement::statement(sqlite3* db, std::string_view path, std::string_view sql)
    : db_(db), path_(path), sql_(sql) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK) {
    throw_sqlite_error(db_, path_, fmt::format("preparing \"{}\"", sql_));
  }
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

void statement::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) {
    throw_sqlite_error(db_, path_, fmt::format("binding parameter {} of \"{}\"", index, sql_));
  }
}

statement& statement::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

statement& statement::bind(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

statement& statement::bind(int index, std::string_view text) {
  // A null pointer would bind SQL NULL; an empty view may have one.
  const char* data = text.data() ? text.data() : "";
  check_bind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
             index);
  return *this;
}

statement& statement::bind_blob(int index, std::string_view bytes) {
  const char* data = bytes.data() ? bytes.data() : "";
  check_bind(sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT), index);
  return *this;
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  throw_sqlite_error(db_, path_, fmt::format("running \"{}\"", sql_));
}

void statement::run() {
  while (step()) {
  }
}

void statement::reset() {
  // The error sqlite3_reset repeats is the last step's, which step() already threw.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(p),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string statement::blob(int column) const {
  // A zero-length blob comes back as a null pointer.
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (p == nullptr) {
    return {};
  }
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

void exec(sqlite3* db, std::string_view path, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    throw storage_error(fmt::format("results database {}: {}", path, text));
  }
}

transaction::transaction(sqlite3* db, std::string_view path, mode m) : db_(db), path_(path) {
  exec(db_, path_, m == mode::write ? "BEGIN IMMEDIATE" : "BEGIN");
}

transaction::~transaction() {
  // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) end the transaction on their own, and a
  // ROLLBACK then would only fail again: roll back only what is still open.
  if (!done_ && sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void transaction::commit() {
  exec(db_, path_, "COMMIT");
  done_ = true;
}

}  // namespace stampede::storage::detail

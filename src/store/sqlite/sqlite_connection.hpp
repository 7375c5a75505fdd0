// One SQLite connection set up for the session store (WAL, the synchronous
// level, a busy timeout) with its prepared statements. Not thread-safe: the
// pool (sqlite_pool.hpp) lends it to one thread at a time, which is why it is
// opened with SQLITE_OPEN_NOMUTEX.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "metronome/core/result.hpp"
#include "sqlite/sqlite_statement.hpp"

namespace metronome::store::detail {

class sqlite_connection {
 public:
  /// Every statement the store runs, prepared once per connection. Parameter
  /// lists are in sqlite_connection.cpp next to the SQL.
  struct prepared {
    statement begin_immediate;
    statement commit;
    statement rollback;
    statement get;            ///< ?1 id -> a record.
    statement insert;         ///< ?1..?14 a record (sqlite_rows.hpp order).
    statement find_running;   ///< ?1 user_id -> the user's newest running record.
    statement update_end;     ///< ?1 id, ?2 status, ?3 ended_at_ms; only if running.
    statement list_first;     ///< ?1 user_id, ?2 row limit -> records, newest first.
    statement list_after;     ///< ?1 user_id, ?2 created_at_ms, ?3 id, ?4 row limit.
    statement recent_first;   ///< ?1 region or '', ?2 status or '', ?3 row limit -> records, newest first.
    statement recent_after;   ///< ?1 region or '', ?2 status or '', ?3 created_at_ms, ?4 id, ?5 row limit.
    statement ping;           ///< Reads the schema page: proves the file answers.
    statement outbox_depth;   ///< -> an upper bound on the rows waiting (max seq - min seq + 1).
    statement outbox_insert;  ///< ?1 id, ?2 subject, ?3 payload, ?4 at_ms; a known id is ignored.
    statement outbox_peek;    ///< ?1 row limit -> id, subject, payload, at_ms, oldest first.
    statement outbox_remove;  ///< ?1 id.
  };

  /// Opens `path` (creating the file if missing) and applies the pragmas:
  /// journal_mode=WAL (errc::unavailable if the file system refuses it),
  /// synchronous=FULL when full_sync else NORMAL, a bounded WAL size.
  /// Statements are not prepared yet: the schema may not exist.
  /// errc::unavailable with SQLite's reason when the file cannot be opened,
  /// errc::timeout when another process holds a lock for longer than busy_timeout.
  static result<std::unique_ptr<sqlite_connection>> open(const std::string& path, bool full_sync, std::chrono::milliseconds busy_timeout);

  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;
  ~sqlite_connection();

  /// Prepares every statement in `prepared`. Needs the current schema.
  result<void> prepare_statements();

  sqlite3* db() const noexcept { return db_; }
  prepared& statements() noexcept { return *statements_; }

  /// How long SQLite itself waits on a lock before returning SQLITE_BUSY.
  /// Cheap; the store sets it to the time left before each attempt.
  void set_busy_timeout(std::chrono::milliseconds timeout) noexcept;

  /// sqlite_failure(rc, db(), what), and marks the connection broken when
  /// the error means the file is unusable through it (is_unavailable).
  metronome::error failure(int rc, std::string_view what);
  bool broken() const noexcept { return broken_; }

  /// Runs one-off SQL (pragmas, DDL) that returns no rows we need.
  result<void> exec(const std::string& sql, std::string_view what);
  /// Runs one-off SQL and returns column 0 of its first row as text ("" if none).
  result<std::string> query_text(const std::string& sql, std::string_view what);

 private:
  explicit sqlite_connection(sqlite3* db) noexcept : db_(db) {}

  sqlite3* db_ = nullptr;
  std::unique_ptr<prepared> statements_;  ///< Finalized before db_ is closed.
  bool broken_ = false;
};

}  // namespace metronome::store::detail

#include "sqlite/sqlite_connection.hpp"

#include <algorithm>
#include <limits>

#include "sqlite/sqlite_error.hpp"
#include "sqlite/sqlite_rows.hpp"

namespace metronome::store::detail {
namespace {

// Past this size the WAL file is truncated after a checkpoint instead of being
// kept for reuse, so a burst of writes does not pin disk space forever.
constexpr std::int64_t wal_size_limit_bytes = 64 * 1024 * 1024;

std::string select_records(std::string_view rest) {
  std::string sql = "SELECT ";
  sql += record_columns;
  sql += " FROM sessions ";
  sql += rest;
  return sql;
}

}  // namespace

result<std::unique_ptr<sqlite_connection>> sqlite_connection::open(const std::string& path, bool full_sync,
                                                                   std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return make_error(errc::unavailable, "sqlite: cannot open or create database file '" + path + "': " + reason);
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<sqlite_connection> c(new sqlite_connection(db));
  c->set_busy_timeout(busy_timeout);

  // journal_mode answers with the mode in force: anything but "wal" means
  // this file cannot be shared safely between processes the way we need.
  auto mode = c->query_text("PRAGMA journal_mode=WAL", "set journal_mode=WAL on '" + path + "'");
  if (!mode) return std::move(mode).error();
  if (*mode != "wal") {
    return make_error(errc::unavailable, "sqlite: '" + path + "' cannot use WAL mode (journal_mode is '" + *mode +
                                             "'); the store needs a file on a local file system that supports shared memory");
  }
  auto sync = c->exec(full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "set synchronous");
  if (!sync) return sync.error();
  auto limit = c->exec("PRAGMA journal_size_limit=" + std::to_string(wal_size_limit_bytes), "set journal_size_limit");
  if (!limit) return limit.error();
  return c;
}

sqlite_connection::~sqlite_connection() {
  statements_.reset();
  // The last connection to the file checkpoints the WAL into it on close.
  sqlite3_close_v2(db_);
}

result<void> sqlite_connection::prepare_statements() {
  auto p = std::make_unique<prepared>();
  // Ordered lists and the CAS on status lean on the indexes in sqlite_schema.cpp:
  // sessions_by_user (user_id, created_at_ms DESC, id DESC) serves both list
  // statements without a sort, sessions_running_by_user serves find_running.
  const struct {
    statement* target;
    std::string sql;
  } all[] = {
      {&p->begin_immediate, "BEGIN IMMEDIATE"},
      {&p->commit, "COMMIT"},
      {&p->rollback, "ROLLBACK"},
      {&p->get, select_records("WHERE id = ?1")},
      {&p->insert, "INSERT INTO sessions (" + std::string(record_columns) +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"},
      {&p->find_running, select_records("WHERE user_id = ?1 AND status = 'running' ORDER BY created_at_ms DESC, id DESC LIMIT 1")},
      {&p->update_end, "UPDATE sessions SET status = ?2, ended_at_ms = ?3 WHERE id = ?1 AND status = 'running'"},
      {&p->list_first, select_records("WHERE user_id = ?1 ORDER BY created_at_ms DESC, id DESC LIMIT ?2")},
      {&p->list_after, select_records("WHERE user_id = ?1 AND (created_at_ms, id) < (?2, ?3) "
                                      "ORDER BY created_at_ms DESC, id DESC LIMIT ?4")},
      // sessions_recent (created_at_ms DESC, id DESC) walks newest first;
      // the filters are checked on each row it reaches.
      {&p->recent_first, select_records("INDEXED BY sessions_recent WHERE (?1 = '' OR region = ?1) AND (?2 = '' OR status = ?2) "
                                        "ORDER BY created_at_ms DESC, id DESC LIMIT ?3")},
      {&p->recent_after, select_records("INDEXED BY sessions_recent WHERE (created_at_ms, id) < (?3, ?4) AND (?1 = '' OR region = ?1) "
                                        "AND (?2 = '' OR status = ?2) ORDER BY created_at_ms DESC, id DESC LIMIT ?5")},
      {&p->ping, "SELECT count(*) FROM sqlite_schema"},
      {&p->outbox_depth, "SELECT coalesce(max(seq) - min(seq) + 1, 0) FROM outbox"},
      {&p->outbox_insert, "INSERT OR IGNORE INTO outbox (id, subject, payload, at_ms) VALUES (?1, ?2, ?3, ?4)"},
      {&p->outbox_peek, "SELECT id, subject, payload, at_ms FROM outbox ORDER BY seq LIMIT ?1"},
      {&p->outbox_remove, "DELETE FROM outbox WHERE id = ?1"},
  };
  for (const auto& s : all) {
    const int rc = s.target->prepare(db_, s.sql);
    if (rc != SQLITE_OK) {
      // Our SQL is tested; failing here means the file is not the one we
      // migrated (replaced or edited under us): the store cannot use it.
      auto e = failure(rc, "prepare '" + s.sql + "'");
      if (e.code == errc::internal) e.code = errc::unavailable;
      return e;
    }
  }
  statements_ = std::move(p);
  return {};
}

void sqlite_connection::set_busy_timeout(std::chrono::milliseconds timeout) noexcept {
  const auto ms = std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0, std::numeric_limits<int>::max());
  sqlite3_busy_timeout(db_, static_cast<int>(ms));
}

metronome::error sqlite_connection::failure(int rc, std::string_view what) {
  if (is_unavailable(rc)) broken_ = true;
  return sqlite_failure(rc, db_, what);
}

result<void> sqlite_connection::exec(const std::string& sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return failure(rc, what);
  return {};
}

result<std::string> sqlite_connection::query_text(const std::string& sql, std::string_view what) {
  statement s;
  int rc = s.prepare(db_, sql);
  if (rc != SQLITE_OK) return failure(rc, what);
  rc = s.step();
  if (rc == SQLITE_DONE) return std::string();
  if (rc != SQLITE_ROW) return failure(rc, what);
  return s.column_text(0);
}

}  // namespace metronome::store::detail

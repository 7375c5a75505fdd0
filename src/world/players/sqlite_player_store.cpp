#include "metronome/world/players/sqlite_player_store.hpp"

#include <sqlite3.h>

namespace metronome::world::players {
namespace {

// Migrations, in order; schema_version holds how many have run.
constexpr const char* migrations[] = {
    "CREATE TABLE players (id TEXT PRIMARY KEY, display_name TEXT NOT NULL, x INTEGER NOT NULL, y INTEGER NOT NULL, "
    "created_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, play_time_ms INTEGER NOT NULL)",
};

metronome::error failure(sqlite3* db, const std::string& what) {
  return make_error(errc::unavailable, "player store: " + what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

result<void> exec(sqlite3* db, const std::string& sql) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return failure(db, sql.substr(0, 40));
  return {};
}

/// A prepared statement, finalized on scope exit.
struct stmt {
  sqlite3_stmt* s = nullptr;
  stmt() = default;
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;
  ~stmt() { sqlite3_finalize(s); }
};

result<void> migrate(sqlite3* db) {
  if (auto r = exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !r) return r;
  stmt q;
  if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", -1, &q.s, nullptr) != SQLITE_OK) {
    return failure(db, "schema version");
  }
  if (sqlite3_step(q.s) != SQLITE_ROW) return failure(db, "schema version");
  const auto have = static_cast<std::size_t>(sqlite3_column_int64(q.s, 0));
  constexpr std::size_t want = std::size(migrations);
  if (have > want)
    return make_error(errc::conflict, "player store: schema version " + std::to_string(have) + " is newer than this program");
  for (std::size_t v = have; v < want; ++v) {
    if (auto r = exec(db, "BEGIN IMMEDIATE"); !r) return r;
    auto r = exec(db, migrations[v]);
    if (r) r = exec(db, "INSERT INTO schema_version (version) VALUES (" + std::to_string(v + 1) + ")");
    if (r) r = exec(db, "COMMIT");
    if (!r) {
      (void)exec(db, "ROLLBACK");
      return r;
    }
  }
  return {};
}

}  // namespace

result<std::unique_ptr<sqlite_player_store>> sqlite_player_store::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    auto e = failure(db, "open " + path);
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<sqlite_player_store> s(new sqlite_player_store(db));
  sqlite3_busy_timeout(db, 5000);
  if (auto r = exec(db, "PRAGMA journal_mode=WAL"); !r) return r.error();
  if (auto r = exec(db, "PRAGMA synchronous=FULL"); !r) return r.error();
  if (auto r = migrate(db); !r) return r.error();
  return s;
}

sqlite_player_store::~sqlite_player_store() { sqlite3_close(db_); }

result<std::optional<player_record>> sqlite_player_store::get(const std::string& id) {
  stmt q;
  const char* sql = "SELECT display_name, x, y, created_ms, last_seen_ms, play_time_ms FROM players WHERE id = ?1";
  if (sqlite3_prepare_v2(db_, sql, -1, &q.s, nullptr) != SQLITE_OK) return failure(db_, "get");
  sqlite3_bind_text(q.s, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
  const int rc = sqlite3_step(q.s);
  if (rc == SQLITE_DONE) return std::optional<player_record>{};
  if (rc != SQLITE_ROW) return failure(db_, "get");
  player_record p;
  p.id = id;
  const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0));
  p.display_name.assign(name != nullptr ? name : "", static_cast<std::size_t>(sqlite3_column_bytes(q.s, 0)));
  p.last_position = {static_cast<std::int32_t>(sqlite3_column_int64(q.s, 1)), static_cast<std::int32_t>(sqlite3_column_int64(q.s, 2))};
  p.created_ms = sqlite3_column_int64(q.s, 3);
  p.last_seen_ms = sqlite3_column_int64(q.s, 4);
  p.play_time_ms = sqlite3_column_int64(q.s, 5);
  return std::optional<player_record>{std::move(p)};
}

result<void> sqlite_player_store::put(std::span<const player_record> records) {
  if (auto r = exec(db_, "BEGIN IMMEDIATE"); !r) return r;
  stmt q;
  const char* sql =
      "INSERT INTO players (id, display_name, x, y, created_ms, last_seen_ms, play_time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
      "ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name, x = excluded.x, y = excluded.y, "
      "last_seen_ms = excluded.last_seen_ms, play_time_ms = excluded.play_time_ms";
  bool ok = sqlite3_prepare_v2(db_, sql, -1, &q.s, nullptr) == SQLITE_OK;
  for (std::size_t i = 0; ok && i < records.size(); ++i) {
    const player_record& p = records[i];
    sqlite3_bind_text(q.s, 1, p.id.data(), static_cast<int>(p.id.size()), SQLITE_STATIC);
    sqlite3_bind_text(q.s, 2, p.display_name.data(), static_cast<int>(p.display_name.size()), SQLITE_STATIC);
    sqlite3_bind_int64(q.s, 3, p.last_position.x);
    sqlite3_bind_int64(q.s, 4, p.last_position.y);
    sqlite3_bind_int64(q.s, 5, p.created_ms);
    sqlite3_bind_int64(q.s, 6, p.last_seen_ms);
    sqlite3_bind_int64(q.s, 7, p.play_time_ms);
    ok = sqlite3_step(q.s) == SQLITE_DONE;
    sqlite3_reset(q.s);
  }
  if (ok) ok = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (!ok) {
    auto e = failure(db_, "put");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return {};
}

}  // namespace metronome::world::players

#include "sqlite/sqlite_schema.hpp"

#include <charconv>
#include <string>
#include <string_view>

namespace metronome::store::detail {
namespace {

// migrations[v] takes a file from user_version v to v + 1. Append, never edit:
// files in the field were created by the old entries.
constexpr std::string_view migrations[] = {
    // 0 -> 1: the sessions table.
    // - seed holds the uint64 reinterpreted as int64 (sqlite_rows.cpp).
    // - sessions_by_user serves list_by_user (newest first, keyset pages on
    //   (created_at_ms, id)) without a sort step.
    // - sessions_running_by_user is partial: it holds running sessions only,
    //   so the one-active-per-user check reads one or two index entries however
    //   long a user's history grows.
    R"sql(
CREATE TABLE sessions (
  id            TEXT    NOT NULL PRIMARY KEY,
  user_id       TEXT    NOT NULL,
  region        TEXT    NOT NULL,
  seed          INTEGER NOT NULL,
  mode          TEXT    NOT NULL CHECK (mode IN ('client', 'server')),
  commitment    TEXT    NOT NULL,
  salt          TEXT    NOT NULL,
  start_at_ms   INTEGER NOT NULL,
  tick_ms       INTEGER NOT NULL,
  rule_json     TEXT    NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('running', 'stopped', 'exited')),
  created_at_ms INTEGER NOT NULL,
  ended_at_ms   INTEGER,
  metadata_json TEXT    NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at_ms DESC, id DESC);
CREATE INDEX sessions_running_by_user ON sessions (user_id, created_at_ms DESC, id DESC) WHERE status = 'running';
)sql",
    // 1 -> 2: the session key's digest (AUTH_MODE=owner). Sessions stored
    // before it get '' (no key: only an admin may end them in owner mode).
    R"sql(
ALTER TABLE sessions ADD COLUMN key_digest TEXT NOT NULL DEFAULT '';
)sql",
    // 2 -> 3: the event outbox (outbox.hpp, docs/events.md). seq orders it
    // oldest first; AUTOINCREMENT never reuses a seq, so max - min + 1 bounds
    // the depth in O(log n) (a count would read every row on each write).
    // The unique id makes a second insert of one event a no-op.
    R"sql(
CREATE TABLE outbox (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  id      TEXT    NOT NULL UNIQUE,
  subject TEXT    NOT NULL,
  payload TEXT    NOT NULL,
  at_ms   INTEGER NOT NULL
);
)sql",
    // 3 -> 4: sessions_recent serves list_recent (every user's sessions,
    // newest first, keyset pages on (created_at_ms, id)) without a sort; the
    // region and status filters are checked on the rows it walks.
    R"sql(
CREATE INDEX sessions_recent ON sessions (created_at_ms DESC, id DESC);
)sql",
};
static_assert(std::size(migrations) == schema_version, "one migration per schema version");

// Rolls back on scope exit unless the transaction already ended, so every
// failure path leaves the file as it was.
class migration_transaction {
 public:
  explicit migration_transaction(sqlite_connection& c) noexcept : c_(c) {}
  migration_transaction(const migration_transaction&) = delete;
  migration_transaction& operator=(const migration_transaction&) = delete;
  ~migration_transaction() {
    if (sqlite3_get_autocommit(c_.db()) == 0) sqlite3_exec(c_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  sqlite_connection& c_;
};

}  // namespace

result<void> migrate(sqlite_connection& c) {
  auto begun = c.exec("BEGIN IMMEDIATE", "begin schema transaction");
  if (!begun) return begun;
  migration_transaction guard(c);

  auto text = c.query_text("PRAGMA user_version", "read schema version");
  if (!text) return std::move(text).error();
  int version = -1;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), version);
  if (ec != std::errc{} || end != text->data() + text->size() || version < 0) {
    return make_error(errc::unavailable, "sqlite: unreadable schema version '" + *text + "'");
  }
  if (version > schema_version) {
    return make_error(errc::unavailable, "sqlite: the database has schema version " + std::to_string(version) +
                                             ", newer than this build understands (" + std::to_string(schema_version) +
                                             "); upgrade Metronome");
  }
  if (version == schema_version) return c.exec("COMMIT", "end schema check");

  for (auto v = static_cast<std::size_t>(version); v < std::size(migrations); ++v) {
    auto applied = c.exec(std::string(migrations[v]), "migrate schema to version " + std::to_string(v + 1));
    if (!applied) {
      // SQL errors here mean a version-0 file that already has a sessions
      // table: not made by us, so not ours to use.
      if (applied.error().code != errc::internal) return applied;
      return make_error(errc::unavailable, applied.error().message + " (is this a Metronome session database?)");
    }
  }
  auto stamped = c.exec("PRAGMA user_version=" + std::to_string(schema_version), "write schema version");
  if (!stamped) return stamped;
  return c.exec("COMMIT", "commit schema");
}

}  // namespace metronome::store::detail

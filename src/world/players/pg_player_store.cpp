#include "metronome/world/players/pg_player_store.hpp"

#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <unordered_map>

#include "pg_pool.hpp"

namespace metronome::world::players {
namespace {

using detail::pg_message;

// Migrations, in order; schema_version holds how many have run. The same
// fields as sqlite_player_store's, in PostgreSQL's types.
constexpr const char* migrations[] = {
    "CREATE TABLE players (id TEXT PRIMARY KEY, display_name TEXT NOT NULL, x INTEGER NOT NULL, y INTEGER NOT NULL, "
    "created_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL, play_time_ms BIGINT NOT NULL)",
};

// Serializes migrations across processes (pg_advisory_xact_lock's key: "metronom").
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(7882834630289059693)";

struct result_closer {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using pg_result = std::unique_ptr<PGresult, result_closer>;

metronome::error failure(PGconn* c, const PGresult* r, const std::string& what) {
  std::string m = r != nullptr ? PQresultErrorMessage(r) : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  if (m.empty()) m = pg_message(c);
  // SQLSTATE class 22 (data exception, e.g. 22021 for text that is not
  // UTF-8): the values are at fault, not the server, and a retry cannot help.
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const bool data = state != nullptr && state[0] == '2' && state[1] == '2';
  return make_error(data ? errc::invalid_argument : errc::unavailable, "player store (postgresql): " + what + ": " + m);
}

/// Runs `sql` with text parameters; a result of any status but `want` is an error.
result<pg_result> run(PGconn* c, const std::string& what, const std::string& sql, const std::vector<const char*>& params = {},
                      ExecStatusType want = PGRES_COMMAND_OK) {
  pg_result r(PQexecParams(c, sql.c_str(), static_cast<int>(params.size()), nullptr, params.data(), nullptr, nullptr, 0));
  if (!r || PQresultStatus(r.get()) != want) return failure(c, r.get(), what);
  return r;
}

/// Runs `steps` inside BEGIN ... COMMIT; rolls back on the first failure.
template <class Steps>
result<void> in_transaction(PGconn* c, const std::string& what, Steps steps) {
  if (auto r = run(c, what, "BEGIN"); !r) return r.error();
  result<void> done = steps();
  if (done) {
    if (auto r = run(c, what, "COMMIT"); !r) done = r.error();
  }
  if (!done) (void)run(c, what, "ROLLBACK");  // on a broken connection this fails too; the pool drops it
  return done;
}

result<void> migrate(PGconn* c) {
  return in_transaction(c, "migrate", [&]() -> result<void> {
    if (auto r = run(c, "migrate", migration_lock, {}, PGRES_TUPLES_OK); !r) return r.error();
    if (auto r = run(c, "migrate", "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !r) return r.error();
    auto v = run(c, "migrate", "SELECT COALESCE(MAX(version), 0) FROM schema_version", {}, PGRES_TUPLES_OK);
    if (!v) return v.error();
    std::size_t have = 0;
    const char* text = PQgetvalue(v->get(), 0, 0);
    std::from_chars(text, text + PQgetlength(v->get(), 0, 0), have);
    constexpr std::size_t want = std::size(migrations);
    if (have > want) {
      return make_error(errc::conflict,
                        "player store (postgresql): schema version " + std::to_string(have) + " is newer than this program");
    }
    for (std::size_t n = have; n < want; ++n) {
      if (auto r = run(c, "migration " + std::to_string(n + 1), migrations[n]); !r) return r.error();
      const std::string version = std::to_string(n + 1);
      if (auto r = run(c, "migrate", "INSERT INTO schema_version (version) VALUES ($1)", {version.c_str()}); !r) return r.error();
    }
    return {};
  });
}

/// The batch with each id once, in first-seen order, holding what applying
/// the records in order would leave (the last record; the first created_ms).
std::vector<player_record> merged(std::span<const player_record> records) {
  std::vector<player_record> out;
  std::unordered_map<std::string_view, std::size_t> at;
  out.reserve(records.size());
  for (const player_record& p : records) {
    const auto [it, fresh] = at.try_emplace(p.id, out.size());
    if (fresh) {
      out.push_back(p);
    } else {
      const std::int64_t created = out[it->second].created_ms;
      out[it->second] = p;
      out[it->second].created_ms = created;
    }
  }
  return out;
}

/// `text` as an element of a PostgreSQL array literal: double-quoted, with
/// `"` and `\` escaped by a backslash (so commas, braces, spaces and the
/// word NULL stay plain text).
void append_element(std::string& array, std::string_view text) {
  array += array.size() == 1 ? "\"" : ",\"";
  for (const char ch : text) {
    if (ch == '"' || ch == '\\') array += '\\';
    array += ch;
  }
  array += '"';
}

void append_number(std::string& array, std::int64_t n) {
  if (array.size() > 1) array += ',';
  array += std::to_string(n);
}

/// One INSERT ... ON CONFLICT for all `rows`, one array parameter per column
/// (unnest): a single statement, so a single transaction, of any size, and
/// the same short text for the server to parse whatever the batch.
result<void> upsert(PGconn* c, std::span<const player_record> rows) {
  std::array<std::string, 7> columns;
  for (auto& col : columns) col = "{";
  for (const player_record& p : rows) {
    append_element(columns[0], p.id);
    append_element(columns[1], p.display_name);
    append_number(columns[2], p.last_position.x);
    append_number(columns[3], p.last_position.y);
    append_number(columns[4], p.created_ms);
    append_number(columns[5], p.last_seen_ms);
    append_number(columns[6], p.play_time_ms);
  }
  std::vector<const char*> params(columns.size());
  for (std::size_t k = 0; k < columns.size(); ++k) params[k] = (columns[k] += '}').c_str();
  const char* sql =
      "INSERT INTO players (id, display_name, x, y, created_ms, last_seen_ms, play_time_ms) "
      "SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::integer[], $5::bigint[], $6::bigint[], $7::bigint[]) "
      "ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, x = EXCLUDED.x, y = EXCLUDED.y, "
      "last_seen_ms = EXCLUDED.last_seen_ms, play_time_ms = EXCLUDED.play_time_ms";
  if (auto r = run(c, "put", sql, params); !r) return r.error();
  return {};
}

template <class T>
bool parse_column(const PGresult* r, int column, T& out) {
  const char* text = PQgetvalue(r, 0, column);
  const auto [end, ec] = std::from_chars(text, text + PQgetlength(r, 0, column), out);
  return ec == std::errc{} && end == text + PQgetlength(r, 0, column);
}

}  // namespace

pg_player_store::pg_player_store(std::unique_ptr<detail::pg_pool> pool) noexcept : pool_(std::move(pool)) {}
pg_player_store::~pg_player_store() = default;

namespace {

/// Runs `call` on a pooled connection. When it fails on a pooled connection
/// that the failure left broken (the server went away since it was pooled),
/// the other pooled ones are stale too: drop them and try once more.
template <class Call>
auto with_connection(detail::pg_pool& pool, Call call) -> decltype(call(nullptr)) {
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.acquire();
    if (!lease) return lease.error();
    auto r = call(lease->get());
    if (r || attempt == 2 || !lease->reused() || detail::pg_alive(lease->get())) return r;
    pool.drop_idle();
  }
}

}  // namespace

result<std::unique_ptr<pg_player_store>> pg_player_store::open(const pg_options& options) {
  auto pool = std::make_unique<detail::pg_pool>(options.conninfo, options.pool_size, options.acquire_timeout, options.connect_timeout_s);
  if (auto r = with_connection(*pool, migrate); !r) return r.error();
  return std::unique_ptr<pg_player_store>(new pg_player_store(std::move(pool)));
}

result<std::optional<player_record>> pg_player_store::get(const std::string& id) {
  if (id.find('\0') != std::string::npos) return make_error(errc::invalid_argument, "player store (postgresql): get: id holds a NUL byte");
  return with_connection(*pool_, [&](PGconn* c) -> result<std::optional<player_record>> {
    auto r = run(c, "get", "SELECT display_name, x, y, created_ms, last_seen_ms, play_time_ms FROM players WHERE id = $1", {id.c_str()},
                 PGRES_TUPLES_OK);
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) return std::optional<player_record>{};
    player_record p;
    p.id = id;
    p.display_name.assign(PQgetvalue(r->get(), 0, 0), static_cast<std::size_t>(PQgetlength(r->get(), 0, 0)));
    const bool ok = parse_column(r->get(), 1, p.last_position.x) && parse_column(r->get(), 2, p.last_position.y) &&
                    parse_column(r->get(), 3, p.created_ms) && parse_column(r->get(), 4, p.last_seen_ms) &&
                    parse_column(r->get(), 5, p.play_time_ms);
    if (!ok) return make_error(errc::internal, "player store (postgresql): get: a stored number does not parse");
    return std::optional<player_record>{std::move(p)};
  });
}

result<void> pg_player_store::put(std::span<const player_record> records) {
  for (const player_record& p : records) {
    if (p.id.find('\0') != std::string::npos || p.display_name.find('\0') != std::string::npos) {
      return make_error(errc::invalid_argument, "player store (postgresql): put: an id or display name holds a NUL byte");
    }
  }
  if (records.empty()) return {};
  const std::vector<player_record> rows = merged(records);  // ON CONFLICT may touch a row once per statement
  return with_connection(*pool_, [&](PGconn* c) { return upsert(c, rows); });
}

}  // namespace metronome::world::players

// Player records in PostgreSQL (seed 003's player data), through libpq.
//
// Contract, beside player_store's:
// - Threads: any number of threads may call get() and put() at once; each
//   call leases its own connection from a bounded pool (pool_size).
// - Durability: put() returns success only after the server committed the
//   transaction (the server's synchronous_commit decides what "committed"
//   survives: on by default, so an acknowledged record survives a server
//   crash).
// - Atomicity: put() is one transaction of upserts, all or nothing. When a
//   batch names the same id twice, the result is the same as applying the
//   records in order (the last wins; created_ms is kept from the first write
//   of the row), as in sqlite_player_store.
// - Failures: every error (connection refused, the server's own message, a
//   pool that stayed busy) is a result error, never an exception. A
//   connection that broke is closed and a new one made on the next call; a
//   call that fails on a stale pooled connection (the server restarted) is
//   tried once more on a fresh connection.
// - Time: connections use TCP keepalives (idle 10 s, 3 probes 5 s apart)
//   and tcp_user_timeout 10 s unless conninfo sets them, so a server host
//   that vanishes fails calls instead of hanging them; a server that is up
//   but stuck is bounded only by its own statement_timeout (conninfo
//   `options=-c statement_timeout=...`).
// - Schema: open() runs the migrations (table schema_version, as in the
//   SQLite store) in one transaction under an advisory lock, so processes
//   opening the same database at once migrate it once.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "metronome/world/players/player_store.hpp"

namespace metronome::world::players {

namespace detail {
class pg_pool;
}

struct pg_options {
  std::string conninfo;                             ///< libpq connection string or URI, e.g. "postgresql://user@127.0.0.1:5432/db".
  std::size_t pool_size = 4;                        ///< Connections open at most.
  std::chrono::milliseconds acquire_timeout{5000};  ///< Wait for a free connection at most this long.
  int connect_timeout_s = 5;                        ///< Per connection attempt, unless conninfo sets connect_timeout.
};

class pg_player_store final : public player_store {
 public:
  /// Connects and brings the schema to the current version. Fails (no
  /// exception) when the server cannot be reached or the schema is newer
  /// than this program (errc::conflict).
  static result<std::unique_ptr<pg_player_store>> open(const pg_options& options);
  ~pg_player_store() override;
  pg_player_store(const pg_player_store&) = delete;
  pg_player_store& operator=(const pg_player_store&) = delete;

  result<std::optional<player_record>> get(const std::string& id) override;
  /// Errors: invalid_argument for an id or name holding a NUL byte (nothing
  /// is sent) or one the server refuses as data (SQLSTATE class 22, e.g. not
  /// UTF-8); unavailable with the server's or libpq's message otherwise.
  result<void> put(std::span<const player_record> records) override;

 private:
  explicit pg_player_store(std::unique_ptr<detail::pg_pool> pool) noexcept;
  std::unique_ptr<detail::pg_pool> pool_;
};

}  // namespace metronome::world::players

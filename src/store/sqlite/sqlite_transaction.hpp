// A write transaction on one connection: BEGIN IMMEDIATE ... COMMIT, rolled
// back on scope exit unless committed.
//
// IMMEDIATE takes the database's write lock up front (waiting in SQLite's
// busy handler while another connection or process writes). Two things follow:
// a check-then-write cannot be interleaved with another writer, even in
// another process, and the transaction never fails half-way with
// SQLITE_BUSY_SNAPSHOT as a deferred read-then-write can in WAL mode.
#pragma once

#include "metronome/core/result.hpp"
#include "sqlite/sqlite_connection.hpp"

namespace metronome::store::detail {

class write_transaction {
 public:
  explicit write_transaction(sqlite_connection& c) noexcept : c_(c) {}
  write_transaction(const write_transaction&) = delete;
  write_transaction& operator=(const write_transaction&) = delete;
  ~write_transaction();

  /// errc::timeout when the write lock stayed taken past the busy timeout.
  result<void> begin();
  /// Durable at the connection's synchronous level once this succeeds.
  result<void> commit();

 private:
  sqlite_connection& c_;
  bool open_ = false;
};

}  // namespace metronome::store::detail

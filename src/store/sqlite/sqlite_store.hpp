// The SQLite session store ("sqlite:PATH"), the embedded default.
//
// - Every operation runs inline on the caller's thread and calls its callback
//   before returning, after the pooled connection has been given back (so the
//   callback may call the store again).
// - Any number of threads may call at once: each operation leases its own
//   connection from a bounded pool (sqlite_pool.hpp).
// - Any number of processes on one host may share the file: writes that check
//   before they write run in BEGIN IMMEDIATE transactions; SQLITE_BUSY is
//   waited out until the per-operation deadline (store_options::timeout), then
//   reported as errc::timeout.
// - A completed write is committed to the WAL: it survives kill -9 of the
//   process (synchronous=NORMAL), and power loss too with
//   store_options::sqlite_full_sync (synchronous=FULL).
// Schema, cursor format and error mapping: docs/storage.md, "SQLite".
#pragma once

#include <chrono>
#include <string>

#include "metronome/store/session_store.hpp"
#include "sqlite/sqlite_pool.hpp"

namespace metronome::store::detail {

class sqlite_store final : public session_store {
 public:
  sqlite_store(sqlite_pool::settings settings, std::unique_ptr<sqlite_connection> first,
               std::chrono::milliseconds timeout);

  void create(session_record record, create_options options, callback<create_outcome> done) override;
  void get(std::string id, callback<session_record> done) override;
  void end(end_request request, callback<end_outcome> done) override;
  void list_by_user(page_request request, callback<page> done) override;
  void ping(callback<void> done) override;
  std::string_view kind() const noexcept override { return "sqlite"; }

 private:
  /// Leases a connection and runs attempt(connection&) -> result<T>, again
  /// while it reports busy, until timeout_ from now. Exceptions (allocation
  /// failure) become errc::internal: nothing throws across the interface.
  template <class T, class F>
  result<T> run(F&& attempt);

  sqlite_pool pool_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace metronome::store::detail

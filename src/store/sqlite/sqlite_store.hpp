// The SQLite session store ("sqlite:PATH"), the embedded default.
//
// - Threads: writes (create, end) always run on the store's lanes
//   (sqlite_lanes.hpp) and complete there. Reads (get, list_by_user, list_recent, ping) run
//   inline on the caller's thread only when that cannot wait: an idle pooled
//   connection, SQLite's busy timeout at zero, and nothing the calling
//   thread submitted still queued (a read never overtakes its own thread's
//   earlier write; other threads' writes do not hold it up);
//   a read that meets a lock goes to a lane and waits there. So a caller's
//   I/O thread never waits out SQLITE_BUSY, a checkpoint's fsync or the pool.
// - Operations from one thread complete in the order it issued them.
// - Callbacks run after the pooled connection has been given back (so a
//   callback may call the store again).
// - Any number of threads may call at once: each operation leases its own
//   connection from a bounded pool (sqlite_pool.hpp).
// - Any number of processes on one host may share the file: writes that check
//   before they write run in BEGIN IMMEDIATE transactions; SQLITE_BUSY is
//   waited out (on a lane) until the per-operation deadline
//   (store_options::timeout, counted from the call, so time queued counts),
//   then reported as errc::timeout.
// - A completed write is committed to the WAL: it survives kill -9 of the
//   process (synchronous=NORMAL), and power loss too with
//   store_options::sqlite_full_sync (synchronous=FULL).
// Schema, cursor format and error mapping: docs/storage.md, "SQLite".
#pragma once

#include <chrono>
#include <string>

#include "metronome/store/session_store.hpp"
#include "sqlite/sqlite_lanes.hpp"
#include "sqlite/sqlite_pool.hpp"

namespace metronome::store::detail {

// The outbox (outbox.hpp) lives in the same file and runs on the same lanes:
// outbox appends and removes are writes, peeks and depth are reads.
class sqlite_store final : public session_store, public outbox_store {
 public:
  /// `lanes` threads, each with at most `max_queued` operations waiting;
  /// at most `outbox_max` events in the outbox.
  sqlite_store(sqlite_pool::settings settings, std::unique_ptr<sqlite_connection> first, std::chrono::milliseconds timeout,
               std::size_t lanes, std::size_t max_queued, std::size_t outbox_max);

  void create(session_record record, create_options options, callback<create_outcome> done) override;
  void get(std::string id, callback<session_record> done) override;
  void end(end_request request, callback<end_outcome> done) override;
  void move_region(region_move request, callback<session_record> done) override;
  void list_by_user(page_request request, callback<page> done) override;
  void list_recent(recent_filter filter, callback<page> done) override;
  void ping(callback<void> done) override;
  std::string_view kind() const noexcept override { return "sqlite"; }
  outbox_store* outbox() noexcept override { return this; }

  void append(outbox_entry entry, callback<bool> done) override;
  void peek(std::size_t limit, callback<std::vector<outbox_entry>> done) override;
  void remove(std::vector<std::string> ids, callback<void> done) override;
  void depth(callback<std::size_t> done) override;

 private:
  /// On a lane: leases a connection and runs attempt(connection&) ->
  /// result<T>, again while it reports busy, until `deadline`. Exceptions
  /// (allocation failure) become errc::internal: nothing throws across the
  /// interface.
  template <class T, class F>
  result<T> run(std::chrono::steady_clock::time_point deadline, F& attempt);

  /// Runs `attempt` on the caller's lane and completes `done` there.
  template <class T, class F>
  void on_lane(F attempt, callback<T> done);

  /// A read: inline when it cannot wait (see the top), else on_lane.
  template <class T, class F>
  void read(F attempt, callback<T> done);

  sqlite_pool pool_;
  const std::chrono::milliseconds timeout_;
  const std::size_t outbox_max_;
  sqlite_lanes lanes_;  ///< Last member: its threads are joined before the pool goes.
};

}  // namespace metronome::store::detail

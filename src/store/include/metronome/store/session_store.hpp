// The session store: one interface, three backends (sqlite, redis,
// redis-cluster), chosen by a URL (make_session_store in store_factory.hpp).
//
// Contract for every backend:
// - Every operation completes by calling its callback exactly once, with a
//   value or an error. The callback may run on the caller's thread (SQLite
//   reads that cannot wait complete inline) or on a store thread (SQLite
//   writes, Redis): callers must not assume which, must not block in it, and
//   must not hold a lock while calling in.
// - A successful completion means the data is durable in the store: a 2xx
//   answered after it never loses the session (sqlite: committed to the WAL;
//   redis: acknowledged by the master, and by WAIT 1 replica when configured).
// - Nothing is ever half-written: a record is created whole or not at all;
//   status changes are atomic compare-and-set transitions.
// - errc::unavailable or errc::timeout when the backend cannot be reached;
//   the store reconnects by itself on later calls.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/store/outbox.hpp"
#include "metronome/store/session.hpp"

namespace metronome::store {

struct create_outcome {
  session_record record;      ///< The stored record: the new one, or the user's active one.
  bool created = false;       ///< False when one_active_per_user found an active session.
  bool event_stored = false;  ///< The options' event is in the outbox (false: none given, nothing created, or the outbox was full).
};

struct create_options {
  /// Seed 002's policy: a user has at most one running session. When set and
  /// the user (record.user_id, non-empty) already has one, nothing is
  /// written and the existing session is returned with created = false.
  /// Atomic: two concurrent creates for one user yield one session.
  bool one_active_per_user = false;
  /// Stored in the outbox with the session, atomically, iff it is created
  /// (outbox.hpp). Absent: the outbox is not touched.
  std::optional<outbox_entry> event{};
};

struct end_request {
  std::string id;
  session_status to = session_status::stopped;  ///< stopped or exited.
  std::optional<std::string> owner;             ///< When set, a different user_id gives errc::forbidden.
  std::int64_t at_ms = 0;                       ///< Becomes ended_at_ms.
  /// Stored in the outbox with the change, atomically, iff the session
  /// changes (outbox.hpp). Absent: the outbox is not touched.
  std::optional<outbox_entry> event{};
};

struct end_outcome {
  session_record record;      ///< The record after the call.
  bool changed = false;       ///< False when it had already ended (nothing written; the first end time stays).
  bool event_stored = false;  ///< As create_outcome::event_stored.
};

/// Moves a running session to another region (session migration,
/// docs/openapi.yaml): a compare-and-set on (status running, region from).
struct region_move {
  std::string id;
  std::string from;  ///< The region the caller read; another one gives errc::conflict.
  std::string to;
};

struct page_request {
  std::string user_id;
  std::size_t limit = 20;  ///< 1 to 100.
  std::string cursor;      ///< Empty for the first page, else next_cursor of the previous page.
};

struct page {
  std::vector<session_record> sessions;  ///< Newest first (created_at_ms, then id, descending).
  std::string next_cursor;               ///< Empty on the last page. Opaque to callers.
};

/// list_recent's filter: every user's sessions, newest first.
struct recent_filter {
  std::string region{};                    ///< Only sessions created by this region; empty: every region.
  std::optional<session_status> status{};  ///< Only sessions in this status; absent: any.
  std::size_t limit = 20;                  ///< 1 to 100.
  std::string cursor{};                    ///< Empty for the first page, else next_cursor of the previous page.
};

class session_store {
 public:
  virtual ~session_store() = default;

  /// Stores a new session. errc::conflict if the id exists.
  virtual void create(session_record record, create_options options, callback<create_outcome> done) = 0;

  /// errc::not_found if there is no such id.
  virtual void get(std::string id, callback<session_record> done) = 0;

  /// Ends a running session (running -> stopped/exited), atomically.
  /// errc::not_found, errc::forbidden (owner mismatch). Ending an ended
  /// session changes nothing and reports changed = false.
  virtual void end(end_request request, callback<end_outcome> done) = 0;

  /// Sets the region of a running session from `from` to `to`, atomically
  /// (region_move): the record after the change. errc::not_found;
  /// errc::conflict when it has ended or its region is no longer `from`
  /// (a concurrent stop, exit or move wins, and nothing is written).
  virtual void move_region(region_move request, callback<session_record> done) = 0;

  /// A user's sessions, newest first. errc::invalid_argument for a bad cursor.
  virtual void list_by_user(page_request request, callback<page> done) = 0;

  /// Every user's sessions matching `filter`, newest first (the operator
  /// console). errc::invalid_argument for a bad limit or cursor.
  /// - sqlite: an indexed query (sessions_recent); pages are exact.
  /// - redis: a sorted-set index of every session, written by the create's
  ///   own script; filters are applied to the records read through it, so
  ///   a page scans a bounded stretch of the index and may hold fewer than
  ///   `limit` sessions while next_cursor is not empty.
  /// - redis-cluster: the same index under one hash-tagged key, written
  ///   after the create (a different slot): it may lag the records or, if
  ///   that write fails, miss a session; it is never the record.
  /// Backends without an index (test fakes) answer errc::unavailable.
  virtual void list_recent(recent_filter filter, callback<page> done);

  /// Succeeds when the backend answers (health checks).
  virtual void ping(callback<void> done) = 0;

  /// The outbox in this store (outbox.hpp), or nullptr when the backend has
  /// none. Owned by the store; valid as long as it.
  virtual outbox_store* outbox() noexcept { return nullptr; }

  /// "sqlite", "redis" or "redis-cluster".
  virtual std::string_view kind() const noexcept = 0;
};

}  // namespace metronome::store

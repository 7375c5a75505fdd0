// How SQLite result codes become metronome errors, and the busy-retry loop
// every operation runs in. The one place that decides what "busy",
// "unavailable" and "a bug" mean for the SQLite backend.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>

#include "metronome/core/result.hpp"

namespace metronome::store::detail {

using steady_clock = std::chrono::steady_clock;

/// SQLITE_BUSY / SQLITE_LOCKED (any extended code): another connection holds
/// the lock. Retried until the operation's deadline.
bool is_busy(int rc) noexcept;

/// I/O, disk full, permissions, corruption, "not a database": the file is
/// unusable through this connection. The connection is closed and a later call
/// opens a fresh one.
bool is_unavailable(int rc) noexcept;

/// Maps rc to an error whose message names `what` and SQLite's own text
/// (sqlite3_errmsg(db) when db is set and still describes rc):
/// busy -> errc::timeout, unavailable -> errc::unavailable,
/// SQLITE_TOOBIG -> errc::payload_too_large, anything else -> errc::internal.
/// Constraint violations are the caller's business (they mean different things
/// per statement) and arrive here only when unexpected.
metronome::error sqlite_failure(int rc, sqlite3* db, std::string_view what);

/// Runs attempt() (returning some result<T>) until it succeeds, fails with
/// anything but errc::timeout, or `deadline` passes; the last outcome is
/// returned. errc::timeout is what sqlite_failure makes of SQLITE_BUSY, so this
/// covers busy codes that SQLite returns without waiting in its busy handler
/// (WAL recovery, a journal-mode change by another process). The back-off is
/// short because the busy handler already did the long waiting.
template <class F>
auto retry_while_busy(steady_clock::time_point deadline, F&& attempt) -> decltype(attempt()) {
  using std::chrono::microseconds;
  microseconds backoff{500};
  for (;;) {
    auto outcome = attempt();
    if (outcome.has_value() || outcome.error().code != errc::timeout) return outcome;
    const auto now = steady_clock::now();
    if (now >= deadline) return outcome;
    std::this_thread::sleep_for(std::min(backoff, std::chrono::duration_cast<microseconds>(deadline - now)));
    backoff = std::min(backoff * 2, microseconds{20'000});
  }
}

}  // namespace metronome::store::detail

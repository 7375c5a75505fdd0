#include "sqlite/sqlite_store.hpp"

#include <exception>
#include <filesystem>
#include <optional>
#include <utility>

#include "metronome/store/backends.hpp"
#include "sqlite/sqlite_cursor.hpp"
#include "sqlite/sqlite_error.hpp"
#include "sqlite/sqlite_outbox.hpp"
#include "sqlite/sqlite_rows.hpp"
#include "sqlite/sqlite_schema.hpp"
#include "sqlite/sqlite_transaction.hpp"

namespace metronome::store {
namespace detail {
namespace {

constexpr std::size_t max_page_limit = 100;
// Bounds the pool: more threads than this wait for a connection (up to the
// store timeout) rather than each opening a file handle and a page cache.
constexpr std::size_t max_connections = 8;
// Store threads. Writes serialize on SQLite's write lock anyway; two lanes let
// reads that met a lock, and the callbacks, run beside a waiting write.
constexpr std::size_t lanes = 2;
// Operations waiting per lane; beyond it a call fails at once with
// errc::unavailable (a bounded queue, as the Redis backend's).
constexpr std::size_t max_queued_per_lane = 4096;

std::chrono::milliseconds time_left(steady_clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady_clock::now());
  return std::max(left, std::chrono::milliseconds{0});
}

// Ids come from callers: quote at most a bounded prefix in messages.
std::string bounded_quote(std::string_view text) {
  constexpr std::size_t max_chars = 80;
  std::string out = "'";
  out += text.substr(0, max_chars);
  if (text.size() > max_chars) out += "...";
  out += "'";
  return out;
}

template <class T>
void complete(callback<T>& done, result<T> outcome) {
  if (done) done(std::move(outcome));
}

// A primary-key clash on insert: the id exists (TEXT primary keys are a
// unique index, which may report either code).
bool is_duplicate_key(int rc) noexcept { return rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE; }

result<session_record> find_by_id(sqlite_connection& c, const std::string& id) {
  statement_scope q(c.statements().get);
  q->bind(1, id);
  const int rc = q->step();
  if (rc == SQLITE_DONE) return make_error(errc::not_found, "no session with id " + bounded_quote(id));
  if (rc != SQLITE_ROW) return c.failure(rc, "read session");
  return read_record(*q);
}

result<create_outcome> create_once(sqlite_connection& c, const session_record& record, const create_options& options,
                                   std::size_t outbox_max) {
  auto& s = c.statements();
  // Without the policy or an event a single INSERT is its own atomic
  // transaction; with either, check, insert and the event share one write
  // lock so no other process slips between and all commit or none.
  const bool one_active = options.one_active_per_user && !record.user_id.empty();
  const bool in_transaction = one_active || options.event.has_value();
  write_transaction tx(c);
  if (in_transaction) {
    if (auto begun = tx.begin(); !begun) return begun.error();
  }
  if (one_active) {
    statement_scope q(s.find_running);
    q->bind(1, record.user_id);
    const int rc = q->step();
    if (rc == SQLITE_ROW) {
      auto existing = read_record(*q);
      if (!existing) return std::move(existing).error();
      return create_outcome{std::move(*existing), false};  // Nothing written; tx rolls back.
    }
    if (rc != SQLITE_DONE) return c.failure(rc, "look up the user's running session");
  }
  {
    statement_scope ins(s.insert);
    bind_record(*ins, record);
    const int rc = ins->step();
    if (is_duplicate_key(rc)) return make_error(errc::conflict, "a session with id " + bounded_quote(record.id) + " already exists");
    if (rc != SQLITE_DONE) return c.failure(rc, "insert session");
  }
  bool event_stored = false;
  if (options.event) {
    auto put = outbox_put(c, *options.event, outbox_max);
    if (!put) return std::move(put).error();
    event_stored = *put;
  }
  if (in_transaction) {
    if (auto committed = tx.commit(); !committed) return committed.error();
  }
  return create_outcome{.record = record, .created = true, .event_stored = event_stored};
}

result<end_outcome> end_once(sqlite_connection& c, const end_request& request, std::size_t outbox_max) {
  write_transaction tx(c);
  if (auto begun = tx.begin(); !begun) return begun.error();
  auto found = find_by_id(c, request.id);
  if (!found) return std::move(found).error();
  session_record record = std::move(*found);
  // Ownership first: a stranger learns nothing about the session's state.
  if (request.owner && *request.owner != record.user_id) {
    return make_error(errc::forbidden, "session " + bounded_quote(request.id) + " belongs to another user");
  }
  if (record.ended()) return end_outcome{std::move(record), false};  // First end time stays.
  {
    statement_scope u(c.statements().update_end);
    u->bind(1, request.id);
    u->bind(2, status_name(request.to));
    u->bind(3, request.at_ms);
    const int rc = u->step();
    if (rc != SQLITE_DONE) return c.failure(rc, "end session");
    // We hold the write lock and just read 'running': anything else is a bug.
    if (sqlite3_changes(c.db()) != 1) return make_error(errc::internal, "sqlite: session vanished under the write lock");
  }
  bool event_stored = false;
  if (request.event) {
    auto put = outbox_put(c, *request.event, outbox_max);
    if (!put) return std::move(put).error();
    event_stored = *put;
  }
  if (auto committed = tx.commit(); !committed) return committed.error();
  record.status = request.to;
  record.ended_at_ms = request.at_ms;
  return end_outcome{.record = std::move(record), .changed = true, .event_stored = event_stored};
}

// The region move's compare-and-set: read, check and write under the write
// lock, so a stop or exit committed first makes it a conflict, and one
// committed after it sees the moved record. Prepared per call: migrations
// are rare.
result<session_record> move_once(sqlite_connection& c, const region_move& request) {
  write_transaction tx(c);
  if (auto begun = tx.begin(); !begun) return begun.error();
  auto found = find_by_id(c, request.id);
  if (!found) return std::move(found).error();
  session_record record = std::move(*found);
  if (record.ended()) return make_error(errc::conflict, "session " + bounded_quote(request.id) + " has ended");
  if (record.region != request.from) {
    return make_error(errc::conflict, "session " + bounded_quote(request.id) + " is in region " + bounded_quote(record.region) + " now");
  }
  {
    statement u;  // finalized before the commit
    if (const int rc = u.prepare(c.db(), "UPDATE sessions SET region = ?2 WHERE id = ?1 AND status = 'running' AND region = ?3");
        rc != SQLITE_OK) {
      return c.failure(rc, "prepare region move");
    }
    u.bind(1, request.id);
    u.bind(2, request.to);
    u.bind(3, request.from);
    if (const int rc = u.step(); rc != SQLITE_DONE) return c.failure(rc, "move session");
    if (sqlite3_changes(c.db()) != 1) return make_error(errc::internal, "sqlite: session changed under the write lock");
  }
  if (auto committed = tx.commit(); !committed) return committed.error();
  record.region = request.to;
  return record;
}

// Steps a bound list statement asked for `limit` + 1 rows: the extra row
// only tells whether another page exists, so the last page has an empty
// cursor instead of leading to an empty page.
result<page> collect_page(sqlite_connection& c, statement_scope& q, std::size_t limit) {
  page out;
  out.sessions.reserve(limit);
  int rc = SQLITE_ROW;
  while ((rc = q->step()) == SQLITE_ROW) {
    if (out.sessions.size() == limit) {
      const auto& last = out.sessions.back();
      out.next_cursor = encode_cursor(last.created_at_ms, last.id);
      return out;
    }
    auto record = read_record(*q);
    if (!record) return std::move(record).error();
    out.sessions.push_back(std::move(*record));
  }
  if (rc != SQLITE_DONE) return c.failure(rc, "list sessions");
  return out;
}

result<page> list_once(sqlite_connection& c, const page_request& request, const std::optional<cursor_position>& after) {
  auto& s = c.statements();
  const auto rows = static_cast<std::int64_t>(request.limit + 1);
  statement_scope q(after ? s.list_after : s.list_first);
  q->bind(1, request.user_id);
  if (after) {
    q->bind(2, after->created_at_ms);
    q->bind(3, after->id);
    q->bind(4, rows);
  } else {
    q->bind(2, rows);
  }
  return collect_page(c, q, request.limit);
}

result<page> recent_once(sqlite_connection& c, const recent_filter& filter, const std::optional<cursor_position>& after) {
  auto& s = c.statements();
  const auto rows = static_cast<std::int64_t>(filter.limit + 1);
  statement_scope q(after ? s.recent_after : s.recent_first);
  q->bind(1, filter.region);
  q->bind(2, filter.status ? status_name(*filter.status) : std::string_view(""));  // "" (not a null view, which binds NULL): no filter
  if (after) {
    q->bind(3, after->created_at_ms);
    q->bind(4, after->id);
    q->bind(5, rows);
  } else {
    q->bind(3, rows);
  }
  return collect_page(c, q, filter.limit);
}

// The limit and cursor checks of both list operations.
result<std::optional<cursor_position>> page_start(std::size_t limit, const std::string& cursor) {
  if (limit < 1 || limit > max_page_limit) {
    return make_error(errc::invalid_argument, "limit must be 1 to 100, got " + std::to_string(limit));
  }
  if (cursor.empty()) return std::optional<cursor_position>();
  auto decoded = decode_cursor(cursor);
  if (!decoded) return std::move(decoded).error();
  return std::optional<cursor_position>(std::move(*decoded));
}

result<void> ping_once(sqlite_connection& c) {
  statement_scope q(c.statements().ping);
  const int rc = q->step();
  if (rc != SQLITE_ROW) return c.failure(rc, "ping");
  return {};
}

}  // namespace

sqlite_store::sqlite_store(sqlite_pool::settings settings, std::unique_ptr<sqlite_connection> first, std::chrono::milliseconds timeout,
                           std::size_t lane_count, std::size_t max_queued, std::size_t outbox_max)
    : pool_(std::move(settings), std::move(first)), timeout_(timeout), outbox_max_(outbox_max), lanes_(lane_count, max_queued) {}

template <class T, class F>
result<T> sqlite_store::run(steady_clock::time_point deadline, F& attempt) {
  try {
    auto leased = pool_.acquire(deadline);
    if (!leased) return std::move(leased).error();
    sqlite_connection& c = **leased;
    return retry_while_busy(deadline, [&]() -> result<T> {
      c.set_busy_timeout(time_left(deadline));
      return attempt(c);
    });
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string("sqlite: ") + e.what());
  }
}

template <class T, class F>
void sqlite_store::on_lane(F attempt, callback<T> done) {
  // The deadline counts from the call: time spent queued is part of it.
  const auto deadline = steady_clock::now() + timeout_;
  sqlite_lanes::job job = [this, deadline, attempt = std::move(attempt), done = std::move(done)](const std::string* refused) mutable {
    if (refused != nullptr) return complete(done, result<T>(make_error(errc::unavailable, *refused)));
    auto outcome = run<T>(deadline, attempt);
    lanes_.job_done();  // committed: the caller's later inline reads may run
    complete(done, std::move(outcome));
  };
  const std::string refused = lanes_.submit(job);
  if (!refused.empty()) job(&refused);  // not queued: job is still ours
}

template <class T, class F>
void sqlite_store::read(F attempt, callback<T> done) {
  if (!lanes_.on_lane_thread() && lanes_.caller_idle()) {
    if (auto leased = pool_.try_acquire()) {
      std::optional<result<T>> outcome;
      try {
        (*leased)->set_busy_timeout(std::chrono::milliseconds{0});
        outcome.emplace(attempt(**leased));
      } catch (const std::exception& e) {
        outcome.emplace(make_error(errc::internal, std::string("sqlite: ") + e.what()));
      }
      // Busy: somebody holds a lock this read would wait for; a lane waits.
      if (outcome->has_value() || outcome->error().code != errc::timeout) {
        leased.reset();  // the connection goes back before the callback runs
        complete(done, std::move(*outcome));
        return;
      }
    }
  }
  on_lane<T>(std::move(attempt), std::move(done));
}

void sqlite_store::create(session_record record, create_options options, callback<create_outcome> done) {
  if (record.id.empty()) {
    complete(done, result<create_outcome>(make_error(errc::invalid_argument, "a session needs a non-empty id")));
    return;
  }
  on_lane<create_outcome>([this, record = std::move(record),
                           options = std::move(options)](sqlite_connection& c) { return create_once(c, record, options, outbox_max_); },
                          std::move(done));
}

void sqlite_store::get(std::string id, callback<session_record> done) {
  read<session_record>([id = std::move(id)](sqlite_connection& c) { return find_by_id(c, id); }, std::move(done));
}

void sqlite_store::end(end_request request, callback<end_outcome> done) {
  if (request.to == session_status::running) {
    complete(done, result<end_outcome>(make_error(errc::invalid_argument, "a session can only end as stopped or exited")));
    return;
  }
  on_lane<end_outcome>([this, request = std::move(request)](sqlite_connection& c) { return end_once(c, request, outbox_max_); },
                       std::move(done));
}

void sqlite_store::move_region(region_move request, callback<session_record> done) {
  on_lane<session_record>([request = std::move(request)](sqlite_connection& c) { return move_once(c, request); }, std::move(done));
}

void sqlite_store::list_by_user(page_request request, callback<page> done) {
  auto after = page_start(request.limit, request.cursor);
  if (!after) return complete(done, result<page>(std::move(after).error()));
  read<page>([request = std::move(request), after = std::move(*after)](sqlite_connection& c) { return list_once(c, request, after); },
             std::move(done));
}

void sqlite_store::list_recent(recent_filter filter, callback<page> done) {
  auto after = page_start(filter.limit, filter.cursor);
  if (!after) return complete(done, result<page>(std::move(after).error()));
  read<page>([filter = std::move(filter), after = std::move(*after)](sqlite_connection& c) { return recent_once(c, filter, after); },
             std::move(done));
}

void sqlite_store::ping(callback<void> done) {
  read<void>([](sqlite_connection& c) { return ping_once(c); }, std::move(done));
}

void sqlite_store::append(outbox_entry entry, callback<bool> done) {
  on_lane<bool>([this, entry = std::move(entry)](sqlite_connection& c) { return outbox_put(c, entry, outbox_max_); }, std::move(done));
}

void sqlite_store::peek(std::size_t limit, callback<std::vector<outbox_entry>> done) {
  read<std::vector<outbox_entry>>([limit](sqlite_connection& c) { return outbox_peek(c, limit); }, std::move(done));
}

void sqlite_store::remove(std::vector<std::string> ids, callback<void> done) {
  on_lane<void>([ids = std::move(ids)](sqlite_connection& c) { return outbox_remove(c, ids); }, std::move(done));
}

void sqlite_store::depth(callback<std::size_t> done) {
  read<std::size_t>([](sqlite_connection& c) { return outbox_depth(c); }, std::move(done));
}

}  // namespace detail

result<std::unique_ptr<session_store>> make_sqlite_store(const std::string& path, const store_options& options) {
  // Every pooled connection must reach the same database: SQLite's private
  // temporary (empty path) and in-memory databases are one per connection.
  if (path.empty() || path == ":memory:") {
    return make_error(errc::invalid_argument, "sqlite: the store needs a file path, got '" + path + "'");
  }
  // Pooled connections are used from many threads (one at a time each).
  if (sqlite3_threadsafe() == 0) {
    return make_error(errc::unavailable, "sqlite: the SQLite library was built without thread support");
  }
  // Connections open lazily: pin a relative path now, so a later chdir
  // cannot make a new connection open a different file.
  std::error_code ec;
  const std::string absolute = std::filesystem::absolute(path, ec).string();
  if (ec) return make_error(errc::unavailable, "sqlite: cannot resolve path '" + path + "': " + ec.message());
  try {
    const auto deadline = detail::steady_clock::now() + options.timeout;
    // Busy here means another process is creating the same file right now.
    auto first = detail::retry_while_busy(deadline, [&]() -> result<std::unique_ptr<detail::sqlite_connection>> {
      auto c = detail::sqlite_connection::open(absolute, options.sqlite_full_sync, detail::time_left(deadline));
      if (!c) return c;
      if (auto migrated = detail::migrate(**c); !migrated) return migrated.error();
      if (auto prepared = (*c)->prepare_statements(); !prepared) return prepared.error();
      return c;
    });
    if (!first) return std::move(first).error();
    detail::sqlite_pool::settings settings{.path = absolute,
                                           .full_sync = options.sqlite_full_sync,
                                           .max_connections = detail::max_connections,
                                           .busy_timeout = options.timeout};
    return std::unique_ptr<session_store>(std::make_unique<detail::sqlite_store>(
        std::move(settings), std::move(*first), options.timeout, detail::lanes, detail::max_queued_per_lane, options.outbox_max_depth));
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string("sqlite: ") + e.what());
  }
}

}  // namespace metronome::store

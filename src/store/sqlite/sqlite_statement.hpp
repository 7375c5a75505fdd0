// A prepared statement, prepared once per connection and reused for every
// call. statement_scope resets it after use, so a finished SELECT never keeps
// a read transaction (and with it an old WAL snapshot) open.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace metronome::store::detail {

class statement {
 public:
  statement() = default;
  statement(statement&& other) noexcept;
  statement& operator=(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  /// Prepares `sql` (one statement) on db for repeated use. Returns SQLite's
  /// result code; on failure *this stays empty.
  int prepare(sqlite3* db, std::string_view sql) noexcept;

  /// Parameters are 1-based. Text is not copied: it must outlive the step
  /// (statement_scope clears bindings before the caller's strings go away).
  /// A bind failure is remembered and returned by the next step(), so call
  /// sites bind everything and check once.
  void bind(int index, std::string_view text) noexcept;
  void bind(int index, std::int64_t value) noexcept;
  void bind_null(int index) noexcept;

  /// SQLITE_ROW, SQLITE_DONE or an (extended) error code.
  int step() noexcept;
  /// Resets the statement and clears its bindings and any remembered bind error.
  void reset() noexcept;

  std::int64_t column_int64(int index) const noexcept;
  std::string column_text(int index) const;
  bool column_is_null(int index) const noexcept;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

/// Holds a statement for one use; resets it on scope exit.
class statement_scope {
 public:
  explicit statement_scope(statement& s) noexcept : s_(s) {}
  statement_scope(const statement_scope&) = delete;
  statement_scope& operator=(const statement_scope&) = delete;
  ~statement_scope() { s_.reset(); }

  statement& operator*() const noexcept { return s_; }
  statement* operator->() const noexcept { return &s_; }

 private:
  statement& s_;
};

}  // namespace metronome::store::detail

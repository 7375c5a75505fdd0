#include "sqlite/sqlite_statement.hpp"

#include <utility>

namespace metronome::store::detail {
namespace {

// SQLITE_STATIC spelled without the old-style cast in SQLite's macro: the
// bound text is not copied (see statement::bind).
constexpr sqlite3_destructor_type no_copy = nullptr;

}  // namespace

statement::statement(statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(std::exchange(other.bind_rc_, SQLITE_OK)) {}

statement& statement::operator=(statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_rc_ = std::exchange(other.bind_rc_, SQLITE_OK);
  }
  return *this;
}

statement::~statement() { sqlite3_finalize(stmt_); }

int statement::prepare(sqlite3* db, std::string_view sql) noexcept {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  bind_rc_ = SQLITE_OK;
  // Statement text is ours and short; its length always fits an int.
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  } else if (stmt_ == nullptr) {
    return SQLITE_MISUSE;  // Only whitespace or a comment: a bug in our SQL.
  }
  return rc;
}

void statement::bind(int index, std::string_view text) noexcept {
  if (bind_rc_ != SQLITE_OK) return;
  bind_rc_ = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), no_copy, SQLITE_UTF8);
}

void statement::bind(int index, std::int64_t value) noexcept {
  if (bind_rc_ != SQLITE_OK) return;
  bind_rc_ = sqlite3_bind_int64(stmt_, index, value);
}

void statement::bind_null(int index) noexcept {
  if (bind_rc_ != SQLITE_OK) return;
  bind_rc_ = sqlite3_bind_null(stmt_, index);
}

int statement::step() noexcept {
  if (bind_rc_ != SQLITE_OK) return bind_rc_;
  return sqlite3_step(stmt_);
}

void statement::reset() noexcept {
  // sqlite3_reset repeats the last step's error; that was already handled.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

std::int64_t statement::column_int64(int index) const noexcept { return sqlite3_column_int64(stmt_, index); }

std::string statement::column_text(int index) const {
  // sqlite3_column_text before sqlite3_column_bytes, as SQLite documents.
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  const int bytes = sqlite3_column_bytes(stmt_, index);
  if (text == nullptr || bytes <= 0) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(bytes));
}

bool statement::column_is_null(int index) const noexcept { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

}  // namespace metronome::store::detail

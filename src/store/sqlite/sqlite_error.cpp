#include "sqlite/sqlite_error.hpp"

#include <string>

namespace metronome::store::detail {

bool is_busy(int rc) noexcept {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool is_unavailable(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_PERM:
    case SQLITE_AUTH: return true;
    default: return false;
  }
}

metronome::error sqlite_failure(int rc, sqlite3* db, std::string_view what) {
  // sqlite3_errmsg describes the most recent failure on db; when that is not
  // rc (a bind error we raised ourselves), fall back to the generic text.
  const bool db_describes_rc = db != nullptr && sqlite3_extended_errcode(db) == rc;
  std::string message = "sqlite: ";
  message += what;
  message += ": ";
  message += db_describes_rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (is_busy(rc)) return make_error(errc::timeout, message + " (database busy past the store timeout)");
  if (is_unavailable(rc)) return make_error(errc::unavailable, std::move(message));
  if ((rc & 0xff) == SQLITE_TOOBIG) return make_error(errc::payload_too_large, std::move(message));
  return make_error(errc::internal, std::move(message));
}

}  // namespace metronome::store::detail

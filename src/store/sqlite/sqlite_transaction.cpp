#include "sqlite/sqlite_transaction.hpp"

namespace metronome::store::detail {

write_transaction::~write_transaction() {
  // A failed COMMIT may already have rolled back (I/O errors do): only roll
  // back what is still open.
  if (!open_ || sqlite3_get_autocommit(c_.db()) != 0) return;
  statement_scope rollback(c_.statements().rollback);
  rollback->step();
}

result<void> write_transaction::begin() {
  statement_scope s(c_.statements().begin_immediate);
  const int rc = s->step();
  if (rc != SQLITE_DONE) return c_.failure(rc, "begin write transaction");
  open_ = true;
  return {};
}

result<void> write_transaction::commit() {
  statement_scope s(c_.statements().commit);
  const int rc = s->step();
  if (rc != SQLITE_DONE) return c_.failure(rc, "commit");
  open_ = false;
  return {};
}

}  // namespace metronome::store::detail

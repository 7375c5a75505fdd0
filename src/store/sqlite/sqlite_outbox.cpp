#include "sqlite/sqlite_outbox.hpp"

#include "sqlite/sqlite_transaction.hpp"

namespace metronome::store::detail {

result<std::size_t> outbox_depth(sqlite_connection& c) {
  statement_scope q(c.statements().outbox_depth);
  const int rc = q->step();
  if (rc != SQLITE_ROW) return c.failure(rc, "read outbox depth");
  const std::int64_t n = q->column_int64(0);
  return static_cast<std::size_t>(n < 0 ? 0 : n);
}

result<bool> outbox_put(sqlite_connection& c, const outbox_entry& entry, std::size_t max_depth) {
  auto depth = outbox_depth(c);
  if (!depth) return std::move(depth).error();
  if (*depth >= max_depth) return false;
  statement_scope ins(c.statements().outbox_insert);
  ins->bind(1, entry.id);
  ins->bind(2, entry.subject);
  ins->bind(3, entry.payload_json);
  ins->bind(4, entry.at_ms);
  const int rc = ins->step();
  if (rc != SQLITE_DONE) return c.failure(rc, "insert outbox event");
  return true;
}

result<std::vector<outbox_entry>> outbox_peek(sqlite_connection& c, std::size_t limit) {
  statement_scope q(c.statements().outbox_peek);
  q->bind(1, static_cast<std::int64_t>(limit));
  std::vector<outbox_entry> out;
  int rc = SQLITE_ROW;
  while ((rc = q->step()) == SQLITE_ROW) {
    out.push_back(outbox_entry{
        .id = q->column_text(0), .subject = q->column_text(1), .payload_json = q->column_text(2), .at_ms = q->column_int64(3)});
  }
  if (rc != SQLITE_DONE) return c.failure(rc, "read outbox");
  return out;
}

result<void> outbox_remove(sqlite_connection& c, const std::vector<std::string>& ids) {
  write_transaction tx(c);
  if (auto begun = tx.begin(); !begun) return begun;
  for (const auto& id : ids) {
    statement_scope d(c.statements().outbox_remove);
    d->bind(1, id);
    const int rc = d->step();
    if (rc != SQLITE_DONE) return c.failure(rc, "remove outbox event");
  }
  return tx.commit();
}

}  // namespace metronome::store::detail

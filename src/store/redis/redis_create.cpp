// create(): the step order and why it is safe are in redis_store.hpp.
#include <optional>

#include "redis/redis_outbox.hpp"
#include "redis/redis_store.hpp"
#include "redis/session_codec.hpp"

namespace metronome::store::detail::redis {
namespace {

// Rounds of "the pointer names a dead session, replace it" before giving up:
// each round needs another create or end for the same user to interleave.
constexpr int max_claim_rounds = 8;

struct create_op {
  redis_store* store = nullptr;
  session_record record;
  bool one_active = false;
  callback<create_outcome> done;
  steady::time_point deadline;
  std::vector<std::string> fields;  // as written, for the compare-and-delete undo
  std::string session_key;
  std::string expected_pointer;  // a dangling pointer value we may replace
  int rounds = 0;
  std::optional<outbox_entry> event;  // stored by the committing step (claim_active / index_session)

  void finish(result<create_outcome> r) {
    if (done) done(std::move(r));
  }

  // Best-effort undo of step 1, not awaited: the caller already has its
  // answer, within its deadline; the undo gets a fresh one.
  void undo_in_background() {
    store->eval(scripts().discard_session, discard_keys(), fields, false, store->deadline(), [](result<eval_reply>) {});
  }

  // The undo's keys: standalone indexed the session with its hash.
  std::vector<std::string> discard_keys() const {
    if (store->cluster()) return {session_key};
    return {session_key, recent_index_key()};
  }

  void fail(error e) {
    undo_in_background();
    finish(std::move(e));
  }
};
using op_ptr = std::shared_ptr<create_op>;

void claim(const op_ptr& op);

// Redis Cluster: the recent index (list_recent) lives in its own slot, so it
// is written after the session is, and its failure does not undo the create:
// the index may lag or miss a session, the record stands. Standalone wrote
// it with the session (create_indexed_session).
void index_recent(const op_ptr& op, create_outcome outcome) {
  if (!op->store->cluster()) return op->finish(std::move(outcome));
  op->store->command({"ZADD", recent_index_key(), decimal(op->record.created_at_ms), op->record.id}, 1, true, op->deadline,
                     [op, outcome = std::move(outcome)](result<reply_ptr>) mutable { op->finish(std::move(outcome)); });
}

void inspect_holder(const op_ptr& op, const std::string& holder) {
  op->store->fetch_session(holder, op->deadline, [op, holder](result<session_record> r) {
    if (!r && r.error().code != errc::not_found) return op->fail(r.error());
    if (r && !r->ended()) {
      // The user has a running session: ours loses. Discard it before
      // answering, so that a caller who lists right away sees one session.
      op->store->eval(scripts().discard_session, op->discard_keys(), op->fields, false, op->deadline,
                      [op, existing = std::move(*r)](result<eval_reply>) mutable {
                        op->finish(create_outcome{std::move(existing), false});
                      });
      return;
    }
    if (++op->rounds > max_claim_rounds) {
      return op->fail(error{errc::conflict, "too many concurrent changes to user '" + op->record.user_id + "'s active session"});
    }
    op->expected_pointer = holder;  // missing or ended: the pointer is free to take over
    claim(op);
  });
}

void claim(const op_ptr& op) {
  const std::string& user = op->record.user_id;
  const std::string created = decimal(op->record.created_at_ms);
  auto on_reply = [op](result<eval_reply> r) {
    if (!r) return op->fail(r.error());
    const reply_view v(r->value.get());
    const auto status = v.size() >= 1 ? v.at(0).integer() : std::nullopt;
    if (v.is_integer() || (status && *status == 1)) {  // ZADD's count, or claimed
      if (!r->replicated) return op->fail(error{errc::unavailable, "session index not acknowledged by a replica in time"});
      const bool stored = op->event && v.size() == 2 && v.at(1).integer() == 1;
      return index_recent(op, create_outcome{.record = op->record, .created = true, .event_stored = stored});
    }
    const auto holder = v.size() == 2 ? v.at(1).text() : std::nullopt;
    if (!status || *status != 0 || !holder) return op->fail(error{errc::internal, "claim_active answered " + v.describe()});
    inspect_holder(op, std::string(*holder));
  };
  std::vector<std::string> keys, args;
  if (op->one_active) {
    keys = {user_active_key(user), user_index_key(user)};
    args = {op->record.id, op->expected_pointer, created};
  } else {
    keys = {user_index_key(user)};
    args = {created, op->record.id};
  }
  if (op->event) {  // the committing step stores the event too
    for (auto& k : outbox_keys()) keys.push_back(std::move(k));
    for (auto& a : outbox_args(*op->event, op->store->outbox_max())) args.push_back(std::move(a));
  }
  op->store->eval(op->one_active ? scripts().claim_active : scripts().index_session, std::move(keys), std::move(args), true, op->deadline,
                  std::move(on_reply));
}

}  // namespace

void redis_store::create(session_record record, create_options options, callback<create_outcome> done) {
  if (record.id.empty()) {
    if (done) done(make_error(errc::invalid_argument, "a session needs a non-empty id"));
    return;
  }
  try {
    auto op = std::make_shared<create_op>();
    op->store = this;
    op->one_active = options.one_active_per_user && !record.user_id.empty() && !record.ended();
    op->deadline = deadline();
    op->fields = encode_session(record);
    op->session_key = session_key(record.id);
    op->record = std::move(record);
    op->done = std::move(done);
    if (keeps_outbox()) op->event = std::move(options.event);
    std::vector<std::string> keys{op->session_key};
    std::vector<std::string> args = op->fields;
    if (!cluster_) {
      keys.push_back(recent_index_key());
      args.push_back(decimal(op->record.created_at_ms));
      args.push_back(op->record.id);
    }
    eval(cluster_ ? scripts().create_session : scripts().create_indexed_session, std::move(keys), std::move(args), true, op->deadline,
         [op](result<eval_reply> r) {
           if (!r) return op->fail(r.error());
           const auto written = reply_view(r->value.get()).integer();
           if (written && *written == 0)
             return op->finish(make_error(errc::conflict, "a session with id '" + op->record.id + "' already exists"));
           if (!written || *written != 1)
             return op->fail(error{errc::internal, "create_session answered " + reply_view(r->value.get()).describe()});
           if (!r->replicated) return op->fail(error{errc::unavailable, "session not acknowledged by a replica in time"});
           claim(op);
         });
  } catch (const std::exception& e) {
    if (done) done(make_error(errc::internal, std::string("redis create: ") + e.what()));
  }
}

}  // namespace metronome::store::detail::redis

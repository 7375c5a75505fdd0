// session_store on Redis: standalone ("redis") or Redis Cluster
// ("redis-cluster"), the same operations over a different router. Every
// operation is a short chain of single-slot steps (scripts.hpp); the order of
// the steps is what keeps them safe without cross-slot transactions:
//
//   create: 1. write the session hash whole (create_session; id taken ->
//              conflict). 2. in the user's slot, claim the active pointer
//              and index the session (claim_active), or only index it.
//              3. if another session holds the pointer, read it: running ->
//              discard ours and return it (created = false); missing or
//              ended -> compare-and-set the pointer from that value (2 again).
//   end:    1. compare-and-set on the session hash (end_session). 2. clear
//              the user's pointer if it still names this session.
//   list:   page of ids from the user's index (page), then the hashes.
//   recent: pages of ids from the recent index (standalone: written by the
//           create's first step; cluster: after the create, may lag), then
//           the hashes, filtered, until the page is full or a bounded stretch
//           of the index was read.
//
// A session is indexed only after its hash exists, and the pointer only ever
// names a session that was written, so readers never see half a session; a
// pointer left dangling by a crash between steps names a missing or ended
// session, which step 3 treats as free. When a step fails, the create is
// undone best-effort (discard_session deletes the hash only if unchanged)
// and the caller gets the error at once.
//
// wait_for_replica: each writing step is followed by WAIT 1 on the same
// connection; 0 acknowledgements is errc::unavailable (the write may or may
// not survive a failover, so it is not acknowledged).
//
// Threads: callbacks run on the store's I/O thread (or inline on the
// caller's thread for immediate failures). Do not destroy the store from
// inside one of its callbacks.
#pragma once

#include <memory>

#include "metronome/store/backends.hpp"
#include "redis/io_loop.hpp"
#include "redis/scripts.hpp"

namespace metronome::store::detail::redis {

/// A script call's answer: the script's reply, and whether the WAIT that
/// followed it (if any) saw at least one replica.
struct eval_reply {
  reply_ptr value;
  bool replicated = true;
};

// Standalone, it keeps the event outbox too (redis_outbox.hpp).
class redis_store final : public session_store, public outbox_store {
 public:
  redis_store(std::unique_ptr<router> r, const store_options& options, bool cluster);
  ~redis_store() override;

  void create(session_record record, create_options options, callback<create_outcome> done) override;
  void get(std::string id, callback<session_record> done) override;
  void end(end_request request, callback<end_outcome> done) override;
  void move_region(region_move request, callback<session_record> done) override;
  void list_by_user(page_request request, callback<page> done) override;
  void list_recent(recent_filter filter, callback<page> done) override;
  void ping(callback<void> done) override;
  std::string_view kind() const noexcept override { return cluster_ ? "redis-cluster" : "redis"; }
  outbox_store* outbox() noexcept override { return cluster_ ? nullptr : this; }
  /// Whether a write's event goes into the outbox (standalone only).
  bool keeps_outbox() const noexcept { return !cluster_; }
  bool cluster() const noexcept { return cluster_; }
  std::size_t outbox_max() const noexcept { return options_.outbox_max_depth; }

  // redis_outbox.cpp
  void append(outbox_entry entry, callback<bool> done) override;
  void peek(std::size_t limit, callback<std::vector<outbox_entry>> done) override;
  void remove(std::vector<std::string> ids, callback<void> done) override;
  void depth(callback<std::size_t> done) override;

  // The steps, for the operations (redis_create.cpp and redis_store.cpp).
  using eval_done = std::function<void(result<eval_reply>)>;
  /// EVALSHA, falling back to EVAL once on NOSCRIPT; WAIT 1 after it when
  /// `write` and wait_for_replica. A script error is errc::internal.
  void eval(const lua_script& script, std::vector<std::string> keys, std::vector<std::string> args, bool write, steady::time_point deadline,
            eval_done done);
  /// One plain command, to the slot of args[key_index] (0: any node). An
  /// error reply is errc::internal.
  void command(std::vector<std::string> args, std::size_t key_index, bool idempotent, steady::time_point deadline,
               std::function<void(result<reply_ptr>)> done);
  void fetch_session(const std::string& id, steady::time_point deadline, std::function<void(result<session_record>)> done);
  steady::time_point deadline() const { return steady::now() + options_.timeout; }
  bool wait_for_replica() const noexcept { return options_.wait_for_replica; }

 private:
  void send_eval(const std::shared_ptr<struct eval_call>& call, bool by_body);
  /// One index page of list_recent and its hashes (redis_store.cpp).
  void recent_step(const std::shared_ptr<struct recent_walk>& walk);

  store_options options_;
  bool cluster_;
  std::unique_ptr<io_loop> loop_;  // last: stopped (callbacks completed) before the rest goes
};

/// A redis_store for the store's own internal users (the region registry):
/// standalone on seeds.front(), or a cluster from the seeds.
std::unique_ptr<redis_store> make_redis_client(std::vector<host_port> seeds, bool cluster, const store_options& options);

}  // namespace metronome::store::detail::redis

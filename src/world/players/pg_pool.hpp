// A bounded pool of libpq connections for pg_player_store (private to this
// component). Thread safe: any thread may acquire. At most `max_open`
// connections exist at once; acquire() waits up to `acquire_timeout` for one
// to come free. A connection goes back to the pool only when it is healthy
// and outside a transaction; any other is closed when its lease ends, and a
// new one is made on a later acquire(). An idle connection that the server
// closed meanwhile (a restart) is noticed at acquire() and replaced; one
// whose server vanished silently fails its next call (the caller retries:
// drop_idle() clears the others at once).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metronome/core/result.hpp"

struct pg_conn;
typedef struct pg_conn PGconn;  // NOLINT(modernize-use-using): libpq's own spelling

namespace metronome::world::players::detail {

struct pg_conn_closer {
  void operator()(PGconn* c) const noexcept;
};
using pg_conn_ptr = std::unique_ptr<PGconn, pg_conn_closer>;

class pg_pool {
 public:
  /// `conninfo`: a libpq connection string or URI; `connect_timeout_s` is
  /// used unless conninfo sets its own connect_timeout.
  pg_pool(std::string conninfo, std::size_t max_open, std::chrono::milliseconds acquire_timeout, int connect_timeout_s);
  pg_pool(const pg_pool&) = delete;
  pg_pool& operator=(const pg_pool&) = delete;

  class lease {
   public:
    lease(lease&& other) noexcept;
    lease& operator=(lease&&) = delete;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease();
    PGconn* get() const noexcept { return conn_.get(); }
    /// True when the connection was idle in the pool (it may have gone
    /// stale since); false when it was made for this lease.
    bool reused() const noexcept { return reused_; }

   private:
    friend class pg_pool;
    lease(pg_pool* pool, pg_conn_ptr conn, bool reused) noexcept : pool_(pool), conn_(std::move(conn)), reused_(reused) {}
    pg_pool* pool_;
    pg_conn_ptr conn_;
    bool reused_;
  };

  /// An idle connection, or a new one while fewer than max_open exist.
  /// Errors: unavailable (with libpq's message) when connecting fails,
  /// timeout when every connection stays busy for acquire_timeout.
  result<lease> acquire();
  /// Closes every idle connection (after one turned out stale).
  void drop_idle();
  std::size_t open_count() const;

 private:
  void give_back(pg_conn_ptr conn);

  const std::string conninfo_;
  const std::string connect_timeout_;
  const std::size_t max_open_;
  const std::chrono::milliseconds acquire_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<pg_conn_ptr> idle_;
  std::size_t open_ = 0;  // idle plus leased
};

/// True while `conn` is usable as far as the client can tell without a round
/// trip (it has not been closed by the server).
bool pg_alive(PGconn* conn) noexcept;

/// libpq's message for `conn` without its trailing newline.
std::string pg_message(const PGconn* conn);

}  // namespace metronome::world::players::detail

// A bounded pool of sqlite_connection for one database file. A thread leases
// a connection for one operation and gives it back when the lease goes away,
// so the store is safe to call from any number of threads while each
// connection is used by one thread at a time. Connections open lazily, up to
// max_connections; a broken one (see sqlite_connection::broken) is closed on
// return and replaced by a fresh one on a later lease: that is how the store
// "reconnects by itself".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "metronome/core/result.hpp"
#include "sqlite/sqlite_connection.hpp"

namespace metronome::store::detail {

class sqlite_pool {
 public:
  using clock = std::chrono::steady_clock;

  struct settings {
    std::string path;
    bool full_sync = false;                        ///< synchronous=FULL instead of NORMAL.
    std::size_t max_connections = 8;               ///< Open connections at most. Default 8.
    std::chrono::milliseconds busy_timeout{2000};  ///< For connections opened later. Default 2 s.
  };

  class lease {
   public:
    lease(lease&& other) noexcept;
    lease& operator=(lease&&) = delete;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease();  ///< Gives the connection back (closes it if broken).

    sqlite_connection& operator*() const noexcept { return *conn_; }
    sqlite_connection* operator->() const noexcept { return conn_.get(); }

   private:
    friend class sqlite_pool;
    lease(sqlite_pool& pool, std::unique_ptr<sqlite_connection> conn) noexcept : pool_(&pool), conn_(std::move(conn)) {}

    sqlite_pool* pool_;
    std::unique_ptr<sqlite_connection> conn_;
  };

  /// `first` is an open, migrated, prepared connection (make_sqlite_store
  /// made it while checking the file); it seeds the pool.
  sqlite_pool(settings s, std::unique_ptr<sqlite_connection> first);
  sqlite_pool(const sqlite_pool&) = delete;
  sqlite_pool& operator=(const sqlite_pool&) = delete;
  /// Every lease must have been returned (the store joins its lanes first).
  ~sqlite_pool() = default;

  /// An idle connection, a newly opened one if fewer than max_connections are
  /// open, or the first one returned before `deadline` (else errc::timeout).
  /// Opening happens outside the pool's lock.
  result<lease> acquire(clock::time_point deadline);

  /// An idle connection, else a new one if fewer than max_connections are
  /// open (opened with a zero busy timeout: it never waits on a lock), else
  /// nullopt at once. Never waits for another lease.
  std::optional<lease> try_acquire();

 private:
  void give_back(std::unique_ptr<sqlite_connection> conn) noexcept;

  const settings settings_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<sqlite_connection>> idle_;  ///< Guarded by mutex_. LIFO: the warmest cache first.
  std::size_t open_ = 0;                                  ///< Guarded by mutex_. Idle plus leased plus opening.
};

}  // namespace metronome::store::detail

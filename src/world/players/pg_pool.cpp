#include "pg_pool.hpp"

#include <libpq-fe.h>

namespace metronome::world::players::detail {

void pg_conn_closer::operator()(PGconn* c) const noexcept { PQfinish(c); }

bool pg_alive(PGconn* conn) noexcept {
  // libpq's socket is non-blocking underneath: PQconsumeInput reads what has
  // arrived (a server's farewell, an EOF) without waiting, and marks the
  // connection bad when the server has gone.
  return PQstatus(conn) == CONNECTION_OK && PQconsumeInput(conn) == 1 && PQstatus(conn) == CONNECTION_OK;
}

std::string pg_message(const PGconn* conn) {
  std::string m = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

pg_pool::pg_pool(std::string conninfo, std::size_t max_open, std::chrono::milliseconds acquire_timeout, int connect_timeout_s)
    : conninfo_(std::move(conninfo)),
      connect_timeout_(std::to_string(connect_timeout_s)),
      max_open_(max_open < 1 ? 1 : max_open),
      acquire_timeout_(acquire_timeout) {}

pg_pool::lease::lease(lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)), reused_(other.reused_) {}

pg_pool::lease::~lease() {
  if (conn_) pool_->give_back(std::move(conn_));
}

result<pg_pool::lease> pg_pool::acquire() {
  {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, acquire_timeout_, [&] { return !idle_.empty() || open_ < max_open_; })) {
      return make_error(errc::timeout, "player store (postgresql): all " + std::to_string(max_open_) + " connections stayed busy for " +
                                           std::to_string(acquire_timeout_.count()) + " ms");
    }
    while (!idle_.empty()) {
      pg_conn_ptr c = std::move(idle_.back());
      idle_.pop_back();
      if (pg_alive(c.get())) return lease(this, std::move(c), true);
      --open_;  // the server closed it while it was idle: make a new one
    }
    ++open_;  // our slot, held while connecting outside the lock
  }
  // Keywords are applied in order: conninfo (expanded from dbname) comes
  // last, so it may override the defaults before it.
  // TCP keepalives and tcp_user_timeout: a server host that vanishes fails
  // calls within about 25 s instead of leaving them waiting for ever.
  const char* keys[] = {"connect_timeout",  "application_name", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "tcp_user_timeout", "dbname",          nullptr};
  const char* values[] = {connect_timeout_.c_str(), "metronome", "10", "5", "3", "10000", conninfo_.c_str(), nullptr};
  pg_conn_ptr c(PQconnectdbParams(keys, values, 1));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    auto e = make_error(errc::unavailable, "player store (postgresql): connect: " + pg_message(c.get()));
    c.reset();
    std::lock_guard lock(mutex_);
    --open_;
    freed_.notify_one();
    return e;
  }
  PQsetNoticeProcessor(
      c.get(), [](void*, const char*) {}, nullptr);  // NOTICEs (e.g. "already exists") are not errors
  return lease(this, std::move(c), false);
}

void pg_pool::give_back(pg_conn_ptr conn) {
  const bool healthy = pg_alive(conn.get()) && PQtransactionStatus(conn.get()) == PQTRANS_IDLE;
  if (!healthy) conn.reset();  // closed outside the lock
  std::lock_guard lock(mutex_);
  if (healthy) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  freed_.notify_one();
}

void pg_pool::drop_idle() {
  std::vector<pg_conn_ptr> stale;
  {
    std::lock_guard lock(mutex_);
    stale.swap(idle_);
    open_ -= stale.size();
    freed_.notify_all();
  }
}  // closed here, outside the lock

std::size_t pg_pool::open_count() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace metronome::world::players::detail

// Constructing stores. Most code calls make_session_store(url); the backend
// functions are for tests that need one backend in particular.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/store/session_store.hpp"

namespace metronome::store {

struct store_options {
  std::chrono::milliseconds timeout{2000};          ///< Per operation, including reconnects. Default 2 s.
  std::chrono::milliseconds connect_timeout{1000};  ///< Per TCP connect (redis). Default 1 s.
  std::size_t connections = 2;                      ///< Redis connections per node, each pipelined. Default 2.
  std::size_t max_in_flight = 4096;                 ///< Redis: commands queued per node before errc::unavailable. Default 4096.
  bool wait_for_replica = false;                    ///< Redis: WAIT 1 replica before acknowledging a write. Default off.
  std::size_t outbox_max_depth = 100'000;  ///< Events waiting in the outbox before new ones are dropped (outbox.hpp). Default 100,000.
  bool sqlite_full_sync = false;  ///< SQLite: synchronous=FULL (survives power loss) instead of NORMAL (survives kill -9). Default off.
};

/// "sqlite:PATH", "redis://HOST:PORT" or "redis-cluster://HOST:PORT,HOST:PORT,...".
/// errc::invalid_argument for a malformed URL; errc::unavailable when a
/// SQLite file cannot be opened. Redis stores connect lazily (a store that is
/// down at start-up comes up when the server does).
result<std::unique_ptr<session_store>> make_session_store(std::string_view url, const store_options& options = {});

result<std::unique_ptr<session_store>> make_sqlite_store(const std::string& path, const store_options& options = {});

struct host_port {
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const host_port&, const host_port&) = default;
};

std::unique_ptr<session_store> make_redis_store(host_port server, const store_options& options = {});

/// The HOST:PORT list of a redis:// (one) or redis-cluster:// (one or more)
/// URL; errc::invalid_argument for anything else.
result<std::vector<host_port>> parse_store_url_hosts(std::string_view url);
std::unique_ptr<session_store> make_redis_cluster_store(std::vector<host_port> seeds, const store_options& options = {});

}  // namespace metronome::store

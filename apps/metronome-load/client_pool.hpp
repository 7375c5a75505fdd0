// One I/O thread's share of the clients: an io_context and the WebSocket
// connections on it. Beast and Asio stay inside client_pool.cpp.
#pragma once

#include <memory>
#include <vector>

#include "client_stats.hpp"
#include "load_config.hpp"
#include "url.hpp"

namespace metronome::load {

class client_pool {
 public:
  /// Clients `indices` (global numbers: they pick the session, user id,
  /// source address and ramp slot) will connect to `server`.
  client_pool(const load_config& cfg, const endpoint_url& server, run_state& state, std::vector<int> indices);
  ~client_pool();
  client_pool(const client_pool&) = delete;
  client_pool& operator=(const client_pool&) = delete;

  /// Runs the clients on the calling thread; returns once every client has
  /// finished (after stop(), or when all failed) or after abort().
  void run();
  /// Thread-safe: close every connection (WebSocket close, 1000).
  void stop();
  /// Thread-safe: stop the io_context now (for a close that hangs).
  void abort();
  /// Only after run() has returned.
  const client_stats& stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace metronome::load

// One I/O thread's share of the bots of `metronome-load world`: an
// io_context and the /world connections on it. Asio stays inside
// world_pool.cpp; what a bot decides and measures is world_bot (pure).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "client_stats.hpp"
#include "url.hpp"
#include "world_bot.hpp"
#include "world_config.hpp"

namespace metronome::load {

class world_pool {
 public:
  /// Bots `indices` (global numbers: they pick the sub, the source address
  /// and the ramp slot) connect to `server` with tokens[i].
  world_pool(const world_load_config& cfg, const endpoint_url& server, run_state& state, const std::vector<int>& indices,
             const std::vector<std::string>& tokens);
  ~world_pool();
  world_pool(const world_pool&) = delete;
  world_pool& operator=(const world_pool&) = delete;

  /// Runs the bots on the calling thread until they have all finished
  /// (after stop(), or when all failed) or abort().
  void run();
  /// Thread-safe: close every connection (WebSocket close 1000).
  void stop();
  /// Thread-safe: stop the io_context now (for a close that hangs).
  void abort();
  /// Thread-safe: bot `index` (one of this pool's) joins `round`; a bot
  /// without a live stream finishes it at once, unchecked.
  void arm(int index, std::shared_ptr<check_round> round);
  /// Thread-safe: the round's truth is set; bot `index` compares when it can.
  void check(int index);
  /// Only after run() has returned.
  const world_bot_stats& stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace metronome::load

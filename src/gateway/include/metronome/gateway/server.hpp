// The world gateway: `/world` WebSocket (docs/protocol.md, "World"), the
// world stepped at 20 Hz on its own thread, /metrics and /health.
//
// Threads: the net layer's I/O threads own the connections (token check,
// rate limits, decoding); one tick thread owns the world, the players and
// their streams. They meet in one bounded inbox (connections -> tick) and in
// loop::post (tick -> connections). Nothing is sent while a lock is held.
// Persistence (optional) runs on the tick thread: the event log is written
// before each step; player records go to their own writer thread.
// GET /world/truth waits (bounded) for the end of the next tick, where the
// tick thread answers it with every entity's position at that tick.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "metronome/core/result.hpp"
#include "metronome/gateway/client_stream.hpp"
#include "metronome/gateway/token.hpp"
#include "metronome/world/config.hpp"
#include "metronome/world/durable/durable_world.hpp"
#include "metronome/world/players/player_store.hpp"

namespace metronome::gateway {

struct gateway_config {
  std::string host = "127.0.0.1";                  ///< Listen address.
  std::uint16_t port = 8090;                       ///< 0 picks a free port.
  unsigned io_threads = 1;                         ///< Connection threads.
  world::world_config world{};                     ///< The world (shards step on their own threads).
  world::population population{};                  ///< Initial entities (players among them are never connected).
  token_config token{};                            ///< JWT checks.
  stream_config stream{};                          ///< Per-client budget.
  std::chrono::milliseconds tick{50};              ///< World tick period. Default 50 ms (20 Hz).
  std::size_t max_connections = 20'000;            ///< Open /world connections; more get 503. Default 20,000.
  double ip_connects_per_second = 20;              ///< New connections per IP (token bucket rate). Default 20/s.
  double ip_connect_burst = 40;                    ///< ... and burst. Default 40.
  double messages_per_second = 60;                 ///< Per connection. Default 60/s.
  double message_burst = 120;                      ///< Default 120.
  double bytes_per_second = 8192;                  ///< Per connection, incoming. Default 8 KiB/s.
  double byte_burst = 16384;                       ///< Default 16 KiB.
  std::chrono::milliseconds grace{10'000};         ///< A dropped player's entity stays this long. Default 10 s.
  std::size_t soft_queue_bytes = 16 * 1024;        ///< Skip a client's frame while more than this is queued. Default 16 KiB.
  std::size_t max_inbox = 200'000;                 ///< Messages waiting for the tick thread; beyond, dropped and counted.
  std::chrono::milliseconds idle_timeout{30'000};  ///< No frame from a client: close (pings at half). Default 30 s.
  /// Set: the world survives kill -9 (world::durable: every tick's commands
  /// are logged before it is stepped, snapshots every N ticks). At start the
  /// world is recovered from there, and the players it holds are in their
  /// grace period: reconnecting resumes their entity. Unset: memory only.
  std::optional<world::durable::durable_options> durable{};
  /// Set: player records (world::players) are read when a player connects
  /// (a returning player spawns where it was) and written behind the tick
  /// thread on join, every `record_every` ticks while connected, on drop and
  /// on leave. Called twice at start: one store for the writer thread, one
  /// for the connection threads' reads.
  std::function<result<std::unique_ptr<world::players::player_store>>()> open_players{};
  std::uint64_t record_every = 100;  ///< Ticks between the records of a connected player. Default 100 (5 s).
  /// GET /world/truth (docs/protocol.md, "Operator endpoint") needs
  /// `Authorization: Bearer` with this. Empty: the token secret (whoever
  /// holds it can mint any player's token, so is an operator already).
  std::string operator_secret{};
  std::size_t max_truth_waiters = 16;  ///< Truth requests waiting for the next tick; more get 503.
};

class world_gateway {
 public:
  explicit world_gateway(gateway_config config);
  ~world_gateway();  ///< Calls stop().
  world_gateway(const world_gateway&) = delete;
  world_gateway& operator=(const world_gateway&) = delete;

  /// Binds and starts the I/O threads and the tick thread.
  result<void> start();
  /// Stops ticking, closes every connection with 1001, joins the threads.
  void stop();
  std::uint16_t port() const noexcept;
  /// The /metrics text.
  std::string metrics() const;
  /// The /health body: tick, world hash (when durable), persistence and
  /// player-record state.
  std::string health() const;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace metronome::gateway

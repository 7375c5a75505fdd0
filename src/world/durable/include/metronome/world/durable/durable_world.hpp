// A world that survives kill -9 (seed 003 persistence; docs/world.md,
// "Durability"). Around the pure core, on the caller's (tick) thread:
//
//   step(commands)  appends the commands to the event log (one record per
//                   tick, sequence = the tick), writes/syncs it as the policy
//                   says, THEN steps the world and returns its report; every
//                   `snapshot_every` ticks it also flushes the log, writes a
//                   snapshot (world::save: write, fsync, rename), keeps the
//                   newest `keep_snapshots` of them and removes the log
//                   segments wholly before the oldest one kept (with
//                   keep_snapshots = 1: before the newest).
//   open()          loads the newest valid snapshot (or makes the world from
//                   config and population and snapshots tick 0), drops a
//                   torn log tail (reported), and replays every logged tick
//                   after the snapshot: the world is then exactly as of its
//                   last logged tick.
//
// Layout of `dir`: snapshots/<tick>.snap, log/<first tick>.log.
// Durability of a reported tick: with ticks_per_write = 1 and fsync (the
// defaults) it is on disk before step() returns; with ticks_per_write = N up
// to N - 1 reported ticks may be lost to kill -9 (last_logged_tick() says
// which are safe); with fsync off a written tick survives kill -9, not a
// power cut. Not thread-safe: one tick thread owns it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "metronome/core/result.hpp"
#include "metronome/journal/log.hpp"
#include "metronome/world/world.hpp"

namespace metronome::world::durable {

struct durable_options {
  std::filesystem::path dir;               ///< Created if missing; holds one world only.
  std::uint64_t snapshot_every = 1000;     ///< Ticks between snapshots (>= 1).
  std::uint32_t ticks_per_write = 1;       ///< Ticks gathered before one log write (group commit).
  bool fsync = true;                       ///< fdatasync each log write and snapshot.
  std::uint64_t segment_bytes = 4u << 20;  ///< Log segment size: the unit in which old log is removed.
  std::size_t keep_snapshots = 2;          ///< Snapshot files kept (the older ones are removed).
};

/// What open() found and did.
struct recovery_report {
  bool fresh = false;                  ///< No snapshot: the world was made from config and population.
  std::uint64_t snapshot_tick = 0;     ///< The snapshot loaded (0 when fresh).
  std::size_t skipped_snapshots = 0;   ///< Newer snapshot files that were invalid.
  std::uint64_t replayed_ticks = 0;    ///< Log records replayed after the snapshot.
  std::size_t dropped_tail_bytes = 0;  ///< Torn tail removed from the newest log segment.
  journal::scan_stop tail = journal::scan_stop::end;
  double seconds = 0;  ///< Wall time open() took (the runner's clock, not the world's).
};

class durable_world {
 public:
  /// Opens `options.dir`. A directory that holds a world with another config
  /// or population is refused (conflict); so are a log gap after the
  /// snapshot and an undecodable record (corruption, never skipped).
  static result<std::unique_ptr<durable_world>> open(durable_options options, const world_config& config, population pop, executor& ex);
  static result<std::unique_ptr<durable_world>> open(durable_options options, const world_config& config, population pop);

  durable_world(const durable_world&) = delete;
  durable_world& operator=(const durable_world&) = delete;
  ~durable_world();

  /// Logs then applies tick state().tick() + 1. On a log or snapshot error
  /// the error is returned; a log error leaves the world unstepped, and the
  /// writer refuses further ticks (reopen to continue).
  result<const step_report*> step(std::span<const command> commands, executor& ex);
  result<const step_report*> step(std::span<const command> commands);
  /// The same, stepping the world as shard `self` (world::step_shard; the
  /// log is the same: the commands). Recovery (open) replays whole, so call
  /// keep_views_of(self) after it.
  result<const step_report*> step_shard(std::span<const command> commands, std::uint32_t self, shard_exchange& ex);
  void keep_views_of(std::uint32_t self) { world_.keep_views_of(self); }

  const world& state() const noexcept { return world_; }
  /// The last tick whose record is written (and synced, with fsync on).
  std::optional<std::uint64_t> last_logged_tick() const noexcept { return log_->durable_sequence(); }
  /// The newest snapshot written or loaded.
  std::uint64_t last_snapshot_tick() const noexcept { return snapshot_tick_; }
  const recovery_report& recovered() const noexcept { return recovered_; }

  /// Writes (and syncs) the ticks gathered so far.
  result<void> flush();
  /// Flushes the log and snapshots the current tick now.
  result<void> snapshot();

 private:
  durable_world(durable_options options, world w, std::unique_ptr<journal::log_writer> log);
  template <class Step>
  result<const step_report*> logged_step(std::span<const command> commands, Step step);

  durable_options options_;
  world world_;
  std::unique_ptr<journal::log_writer> log_;
  std::uint64_t snapshot_tick_ = 0;
  recovery_report recovered_;
  std::string record_;  // reused encoding buffer
};

/// The world as of `tick`, rebuilt from the newest snapshot at or before it
/// and the log after it, without changing `dir` (`metronome world replay`).
/// not_found when no snapshot is that old or the log ends before `tick`.
result<world> replay(const std::filesystem::path& dir, std::uint64_t tick, executor& ex);

}  // namespace metronome::world::durable

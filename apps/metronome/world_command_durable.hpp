// The durable side of `metronome world`: `run --data-dir DIR` (log, snapshots
// and recovery around the run) and `replay --data-dir DIR --tick T`
// (docs/world.md, "Durability").
#pragma once

#include <memory>
#include <span>
#include <string>

#include <CLI/CLI.hpp>

#include "metronome/world/durable/durable_world.hpp"

namespace metronome::cli {

struct durable_flags {
  std::string data_dir, snapshot_every = "1000", ticks_per_write = "1";
  bool no_fsync = false;
};

/// --data-dir, --snapshot-every, --ticks-per-write, --no-fsync on `world run`.
void add_durable_run_options(CLI::App& run, durable_flags& f);

/// Opens the data dir for `world run` (usage_error on bad flags, runtime_error
/// when the directory cannot be used) and returns the world and the JSON line
/// that reports the recovery.
std::unique_ptr<world::durable::durable_world> open_durable_run(const durable_flags& f, const world::world_config& c, world::population pop,
                                                                world::executor& ex, std::string& recovered_line);

/// One durable step: logs, steps; runtime_error on a log failure.
const world::step_report& step_durable(world::durable::durable_world& d, std::span<const world::command> commands, world::executor& ex);

/// `metronome world replay`.
void add_world_replay_command(CLI::App& world_cmd);

/// `metronome world durability-bench`: log bytes per tick, tick time with the
/// log, recovery time from a snapshot plus the log (docs/performance.md).
void add_world_durability_bench_command(CLI::App& world_cmd);

}  // namespace metronome::cli

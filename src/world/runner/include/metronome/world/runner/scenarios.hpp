// The world benchmarks' scenarios (issue 9, (a) to (e)) and the loop that
// times them: the runner side, since it reads a clock. Used by
// `metronome world bench` and by bench/world_bench (which adds the baseline).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metronome/world/config.hpp"
#include "metronome/world/executor.hpp"
#include "metronome/world/world.hpp"

namespace metronome::world::runner {

struct scenario {
  std::string name;
  world_config config;
  population pop;             ///< used when `spawns` is empty
  std::vector<spawn> spawns;  ///< entities placed by hand
  std::uint32_t threads = 1;  ///< threads stepping the shards (config.shards of them at most)
};

/// (a) 10,000 players, each with a view, all moving, ±1000, radius 100, one shard.
scenario crowd(std::uint64_t seed, std::uint32_t shards = 1);
/// (d) a hot cell: 2,000 players within one radius of each other (a disc of
/// radius 50) among 8,000 others spread over ±1000.
scenario hot_cell(std::uint64_t seed);
/// (e) 100,000 entities (10,000 players, 90,000 NPCs) in ±10,000 on `shards` shards.
scenario large(std::uint64_t seed, std::uint32_t shards = 2);

world make_world(const scenario& s);

struct tick_stats {
  std::uint64_t ticks = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
};
/// Percentiles by nearest rank.
tick_stats summarize(std::vector<double> samples_ms);

/// CPU time of the whole process (every thread), in ms.
double process_cpu_ms();

struct run_result {
  tick_stats tick;            ///< wall time per tick
  tick_stats cpu;             ///< CPU time per tick, all threads together
  double moved_per_tick = 0;  ///< entity updates per tick
  double updates_per_second_per_core = 0;
  double visible_per_player = 0;  ///< mean view size at the end
  double entered_per_tick = 0, left_per_tick = 0;
  double checks_per_tick = 0, rebuilds_per_tick = 0, candidates_per_tick = 0;
  double handovers_per_tick = 0;
  std::uint64_t hash = 0;
};

/// Steps `warmup` untimed ticks, then times `ticks` ticks one by one.
run_result run(const scenario& s, world& w, executor& ex, std::uint32_t ticks, std::uint32_t warmup);

}  // namespace metronome::world::runner

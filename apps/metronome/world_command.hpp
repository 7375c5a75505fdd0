// `metronome world run` and `metronome world bench`: the world core on the
// command line, JSON lines on stdout (docs/world.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "metronome/world/command.hpp"
#include "metronome/world/config.hpp"

namespace metronome::cli {

void add_world_command(CLI::App& app);

/// The flags that make a world (`world run`, `world shard`), as text.
struct world_flags {
  std::string seed, entities, players, size, radius, margin, shards = "1";
};
/// --seed, --entities, --players, --size, --radius, --leave-margin (not the shard count).
void add_world_flags(CLI::App& cmd, world_flags& f);
/// The world's config from the flags, or usage_error naming the flag
/// (`shards_flag` names the flag that gave f.shards).
world::world_config world_config_of(const world_flags& f, world::population& pop, std::string_view shards_flag);
/// The p-quantile (0..1; 1 is the largest) of `v` by rank; 0 when empty.
double percentile(std::vector<double> v, double p);
/// A command file (docs/world.md), or usage_error naming the file and line.
std::vector<world::command> read_world_commands(const std::string& path);

}  // namespace metronome::cli

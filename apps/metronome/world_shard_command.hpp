// `metronome world shard` (one shard of a world as its own process) and
// `metronome world drive` (the tick barrier over NATS): docs/world.md,
// "Shards as processes".
#pragma once

#include <CLI/CLI.hpp>

namespace metronome::cli {

void add_world_shard_commands(CLI::App& world_cmd);

}  // namespace metronome::cli

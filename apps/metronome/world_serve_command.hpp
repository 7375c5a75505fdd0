// `metronome world token` and `metronome world serve`: the world online
// (docs/protocol.md, "World"). Added under the `world` command.
#pragma once

#include <CLI/CLI.hpp>

namespace metronome::cli {

/// The data directory `metronome up` uses when none is named.
inline constexpr const char* default_data_dir = "metronome-data";

void add_world_online_commands(CLI::App& world_cmd);

}  // namespace metronome::cli

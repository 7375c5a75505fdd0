// `metronome world run` and `metronome world bench`: the world core on the
// command line, JSON lines on stdout (docs/world.md).
#pragma once

#include <CLI/CLI.hpp>

namespace metronome::cli {

void add_world_command(CLI::App& app);

}  // namespace metronome::cli

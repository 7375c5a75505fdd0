// `metronome edge`: the edge gateway and region registry.
#pragma once

#include <CLI/CLI.hpp>

namespace metronome::cli {

void add_edge_command(CLI::App& app);

}  // namespace metronome::cli

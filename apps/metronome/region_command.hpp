// `metronome region`: one region node (seeds 000, 002, 004).
#pragma once

#include <CLI/CLI.hpp>

namespace metronome::cli {

void add_region_command(CLI::App& app);

}  // namespace metronome::cli

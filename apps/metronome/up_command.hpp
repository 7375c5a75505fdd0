// `metronome up`: the whole multi-region system on one machine.
#pragma once

#include <CLI/CLI.hpp>

namespace metronome::cli {

void add_up_command(CLI::App& app);

}  // namespace metronome::cli

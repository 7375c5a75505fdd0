// `metronome state` and `metronome replay`: the engine on the command line.
#pragma once

#include <CLI/CLI.hpp>

namespace metronome::cli {

void add_state_command(CLI::App& app);
void add_replay_command(CLI::App& app);

}  // namespace metronome::cli

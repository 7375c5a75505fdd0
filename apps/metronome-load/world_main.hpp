// `metronome-load world`: the subcommand's flags and its run (README.md, "World mode").
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "world_config.hpp"

namespace metronome::load {

struct world_flags {
  world_load_config cfg;
  std::string secret_file, data_dir, operator_secret_file;
};

/// Adds the `world` subcommand to `app`; its flags land in the result.
CLI::App* add_world_command(CLI::App& app, world_flags& flags);
/// Runs it: 0 when the run passed, 1 when it did not, 2 for bad flags.
int run_world_command(world_flags& flags);

}  // namespace metronome::load

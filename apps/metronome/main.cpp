// metronome: one binary, one subcommand per role.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "cli_args.hpp"
#include "edge_command.hpp"
#include "engine_commands.hpp"
#include "events_command.hpp"
#include "region_command.hpp"
#include "up_command.hpp"
#include "world_command.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"Metronome: deterministic multi-region game sessions"};
  try {
    app.require_subcommand(1);
    metronome::cli::add_state_command(app);
    metronome::cli::add_replay_command(app);
    metronome::cli::add_region_command(app);
    metronome::cli::add_edge_command(app);
    metronome::cli::add_up_command(app);
    metronome::cli::add_world_command(app);
    metronome::cli::add_events_command(app);
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "metronome: %s\nRun 'metronome --help' for usage.\n", e.what());
    return 2;
  } catch (const metronome::cli::usage_error& e) {
    std::fprintf(stderr, "metronome: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "metronome: error: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "metronome: error: an unknown exception\n");
    return 1;
  }
  return 0;
}

}  // namespace

// Nothing escapes: run() answers parse and usage errors itself; anything else
// thrown (while registering commands or printing help) is reported here.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "metronome: error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "metronome: error: an unknown exception\n");
  }
  return 1;
}

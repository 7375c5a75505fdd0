// The command file of `metronome world run --commands FILE`: one JSON object
// per line (docs/world.md), e.g.
//   {"tick":3,"player":0,"seq":1,"type":"velocity","vx":40,"vy":-12}
//   {"tick":4,"player":0,"seq":2,"entity":0,"type":"moveTo","x":2560,"y":0,"speed":60}
//   {"tick":5,"player":0,"seq":3,"type":"stop"}
//   {"tick":5,"player":0,"seq":4,"type":"emote","text":"hello"}
// Numbers are integers in fixed-point units; "entity" defaults to "player".
// Blank lines are skipped. Parsing is strict: an unknown field, a missing or
// mistyped one, or a value out of range is an error naming it. Whether a
// well-formed command is allowed is the world's business (validation).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/world/command.hpp"

namespace metronome::cli {

inline constexpr std::size_t max_command_line_bytes = 4096;
inline constexpr std::size_t max_commands = 1'000'000;

struct command_parse {
  bool ok = false;
  world::command cmd;
  std::string error;  ///< when !ok
};

/// One line of a command file (without its newline).
command_parse parse_world_command(std::string_view line);

struct command_file {
  std::vector<world::command> commands;  ///< in file order
  std::string error;                     ///< "line N: ..." on the first bad line; empty when fine
};

/// The whole file's text.
command_file parse_world_commands(std::string_view text);

}  // namespace metronome::cli

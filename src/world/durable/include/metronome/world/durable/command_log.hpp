// The payload of one event-log record: the commands handed to one step, in
// the order given (docs/world.md, "Durability"). Replaying them through
// step() reproduces the tick exactly, rejections and their counters included.
//
// Little-endian: u32 count, then per command u64 tick, u32 player,
// u64 sequence, u32 entity, u8 kind, i32 a, b, c, u32 text length, text.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/world/command.hpp"

namespace metronome::world::durable {

/// Bytes of one command without its text.
inline constexpr std::size_t command_record_bytes = 8 + 4 + 8 + 4 + 1 + 4 + 4 + 4 + 4;

void encode_commands(std::span<const command> commands, std::string& out);

/// Refuses (invalid_argument, naming the defect) anything encode_commands
/// cannot have written; never reads past `bytes` (tests/fuzz/fuzz_command_log.cpp).
result<std::vector<command>> decode_commands(std::string_view bytes);

}  // namespace metronome::world::durable

// Player commands, their total order, and the validation that stands between
// a client and the world. A rejected command changes nothing.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/world/fixed.hpp"

namespace metronome::world {

enum class command_kind : std::uint8_t {
  set_velocity,  ///< velocity = (a, b) units per tick
  move_to,       ///< walk to (a, b) at speed c units per tick, then stop
  stop,          ///< velocity = 0
  emote,         ///< show `text` to those who see the entity
  join,          ///< system: spawn a player entity at (a, b), named by the key `text`
  leave,         ///< system: remove the player entity `entity`
};

/// The sender of system commands (join, leave): the runtime, never a client.
/// Being the largest id, system commands sort after the players' commands of a tick.
inline constexpr std::uint32_t system_sender = 0xFFFFFFFFu;

/// Longest join key (bytes of UTF-8).
inline constexpr std::size_t max_key_bytes = 64;

struct command {
  std::uint64_t tick = 0;      ///< The tick at whose start it applies.
  std::uint32_t player = 0;    ///< The sender (a player entity id).
  std::uint64_t sequence = 0;  ///< The client's counter; must grow strictly.
  std::uint32_t entity = 0;    ///< The entity to act on; must be owned by `player`.
  command_kind kind = command_kind::stop;
  std::int32_t a = 0, b = 0, c = 0;
  std::string text{};
};

/// The documented total order in which commands of a tick apply: tick, then
/// player, then sequence, then the remaining fields (so that even identical
/// keys sort the same way on every machine).
bool command_before(const command& l, const command& r) noexcept;

/// Why a command was refused. Checked in this order; the first that applies is the reason.
enum class reject_reason : std::uint8_t {
  wrong_tick,      ///< command.tick is not the tick being stepped
  unknown_player,  ///< the sender is not a player entity of this world
  unknown_entity,  ///< no such entity
  not_owner,       ///< the entity belongs to someone else
  stale_sequence,  ///< sequence <= the last accepted one of this player (stale or repeated)
  too_many,        ///< the player already had max_commands_per_tick accepted this tick
  too_fast,        ///< asked speed above max_speed (or not positive, for move_to)
  outside_world,   ///< move_to target outside [-half, half]^2
  bad_emote,       ///< empty, longer than max_emote_bytes, or with control characters
  not_system,      ///< join or leave sent by a player (only system_sender may)
  bad_key,         ///< join key empty, longer than max_key_bytes, or with control characters
  duplicate_key,   ///< join key already names a live entity
  world_full,      ///< join with no free id and max_entities ids in use
};
inline constexpr std::size_t reject_reason_count = 13;

std::string_view reason_name(reject_reason r) noexcept;

struct rejection {
  std::uint32_t player = 0;
  std::uint64_t sequence = 0;
  reject_reason reason = reject_reason::wrong_tick;
};

/// Rejections counted by reason, indexed by the enum value.
using rejection_counts = std::array<std::uint64_t, reject_reason_count>;

/// An accepted join, in command order: the entity id the key now names.
struct join_event {
  std::uint64_t sequence = 0;  ///< the join command's sequence (the caller's correlation)
  std::string key{};
  std::uint32_t entity = 0;
};

/// An accepted emote, in command order.
struct emote_event {
  std::uint32_t entity = 0;
  std::string text{};
};

}  // namespace metronome::world

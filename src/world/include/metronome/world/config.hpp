// The definition of a world: its size, its rules and its limits. An aggregate
// with defaults; validate() is the one place that says whether it is usable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metronome/world/fixed.hpp"

namespace metronome::world {

/// Ticks per second the world is meant to be stepped at (the runner's clock;
/// the core only sees tick numbers). Velocities are per tick.
inline constexpr std::int32_t ticks_per_second = 20;

struct world_config {
  std::uint64_t seed = 0;                                ///< Placement, initial velocities and NPC wander.
  std::int32_t half_size = 1000 * units_per_world_unit;  ///< The world is [-half, half]^2 (fixed-point units).
  std::int32_t cell_size = 32 * units_per_world_unit;    ///< Spatial grid cell side (fixed-point units).
  std::int32_t aoi_radius = 100 * units_per_world_unit;  ///< Enter when dx^2 + dy^2 <= radius^2 (units).
  std::int32_t aoi_margin = 5 * units_per_world_unit;    ///< Leave when beyond radius + margin (units).
  /// Extra distance tracked beyond radius + margin so that a player's
  /// candidate list is rebuilt only every (margin + skin) / (2 * step) ticks.
  /// Affects speed only, never results (units).
  std::int32_t aoi_skin = 40 * units_per_world_unit;
  /// Largest speed a command may ask for, and the NPC speed (units per tick;
  /// default 6 world units per second at 20 Hz).
  std::int32_t max_speed = 6 * units_per_world_unit / ticks_per_second;
  std::int32_t npc_turn_ticks = 40;                       ///< An NPC picks a new direction every this many ticks.
  std::int32_t entity_radius = units_per_world_unit / 2;  ///< Collision circle radius (units); 0 = no collision.
  std::uint32_t max_commands_per_tick = 8;                ///< Accepted commands per player per tick.
  std::uint32_t max_emote_bytes = 64;                     ///< Longest emote text (bytes of UTF-8).
  std::uint32_t shards = 1;                               ///< Vertical strips of grid columns, each stepped as one task.
  std::vector<aabb> obstacles;                            ///< Static boxes entities cannot enter.
};

/// Limits validate() enforces on a config.
inline constexpr std::uint32_t max_shards = 64;
inline constexpr std::size_t max_obstacles = 4096;

/// Why a config is unusable, or nullopt when it is fine.
std::optional<std::string> validate(const world_config& config);

/// The entities a world starts with: ids 0..entities-1, the first `players`
/// of them players (each owning itself), the rest NPCs; placed and set moving
/// from the seed.
struct population {
  std::uint32_t entities = 0;
  std::uint32_t players = 0;
};

inline constexpr std::uint32_t max_entities = 4'000'000;

/// An entity placed by hand (tests, scenarios): id = its index in the list;
/// a player owns itself.
struct spawn {
  bool player = false;
  vec2 position{};
  vec2 velocity{};
};

std::optional<std::string> validate(const world_config& config, const population& pop);

}  // namespace metronome::world

// The world's state: one array per component, indexed by entity id, plus the
// grid, the areas of interest and each shard's scratch space.
//
// Who writes what (the phases are in world.cpp): command application and the
// reach clock are serial; in the parallel phases a shard writes only the
// entries of entities it holds, the grid cells of its own columns, its own
// outboxes and its own scratch. Every cross-shard read happens in a phase in
// which the data read is written by nobody.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "metronome/world/command.hpp"
#include "metronome/world/config.hpp"
#include "metronome/world/detail/contacts.hpp"
#include "metronome/world/detail/grid.hpp"
#include "metronome/world/detail/interest.hpp"
#include "metronome/world/world.hpp"

namespace metronome::world::detail {

enum class motion : std::uint8_t { velocity = 0, move_to = 1 };

/// An entity's motion components (what the move phase may change besides its tentative position).
struct motion_state {
  vec2 vel, target;
  std::int32_t speed = 0;
  motion mode = motion::velocity;
  bool operator==(const motion_state&) const = default;
};

struct shard_state {
  std::uint32_t first_column = 0, end_column = 0;  // the strip [first, end)
  std::vector<std::uint32_t> held;                 // entities held at the start of the tick
  std::vector<std::uint32_t> ghosts;               // entities in the columns bordering the strip
  std::vector<std::uint32_t> index_ids;            // held + ghosts, for the contact index
  std::vector<std::vector<std::uint32_t>> outbox;  // outbox[t]: handed over to shard t this tick
  contact_index contacts;
  aoi_scratch aoi;
  aoi_counters counters;
  std::int64_t max_step2 = 0;  // largest squared displacement this tick
  std::uint64_t moved = 0, handovers = 0;
  std::vector<motion_state> prior;  // step_shard only: every entity's motion before the move phase
};

struct world_state {
  world_config config;
  std::uint32_t count = 0;
  std::uint64_t tick = 0;
  std::int64_t reach = 0;  // the reach clock g (interest.hpp)
  aoi_rules rules;

  // Components.
  std::vector<entity_kind> kind;
  std::vector<std::uint32_t> owner;
  std::vector<vec2> pos, vel, target;
  std::vector<std::int32_t> speed;  // move_to speed
  std::vector<motion> mode;
  std::vector<vec2> tentative;  // after movement, before contacts
  std::vector<vec2> push;       // contact push of the tick
  std::vector<std::uint8_t> moved;
  std::vector<std::uint64_t> last_sequence;  // per player
  std::vector<std::uint32_t> accepted_now;   // per player, this tick
  std::vector<std::uint8_t> alive;           // 0 for ids freed by a leave and not reused
  std::vector<std::uint8_t> departing;       // 1 for entities removed by a leave this tick
  std::vector<std::string> keys;             // join keys ("" for the initial entities)

  // Join and leave (commands.cpp): ids are reused lowest first, from the tick after their leave.
  std::unordered_map<std::string, std::uint32_t> key_index;  // key -> live entity
  std::set<std::uint32_t> free_ids;                          // reusable ids
  std::vector<std::uint32_t> joined_now;                     // entities spawned this tick
  std::vector<std::uint32_t> departed_now;                   // entities removed this tick
  std::uint32_t live = 0;                                    // alive entities

  grid cells;
  std::vector<std::uint32_t> column_shard;
  std::vector<std::vector<std::uint16_t>> cell_obstacles;  // obstacles within entity_radius of each cell
  std::vector<std::uint32_t> players;                      // ids of the players, ascending
  std::vector<interest> views;                             // per entity (empty for NPCs)
  std::vector<std::vector<std::uint32_t>> entered, left;
  std::vector<shard_state> shards;

  step_report report;
  rejection_counts rejected{};

  world_state(world_config c, population pop);
  void list_players();
  /// Extends every per-entity array to n ids (a join past the end).
  void grow(std::uint32_t n);
};

/// Sorts, validates and applies the tick's commands (serial part of a step).
void apply_commands(world_state& w, std::span<const command> commands);

/// The seeded initial placement and velocities.
void populate(world_state& w, population pop);

/// A random velocity of length <= speed (close to it), from the seed, entity and tick.
vec2 random_velocity(std::uint64_t seed, std::uint32_t id, std::uint64_t tick, std::int32_t speed) noexcept;

/// Pushes a circle out of an obstacle it overlaps.
vec2 push_out_of(const aabb& box, vec2 c, std::int32_t radius) noexcept;

}  // namespace metronome::world::detail

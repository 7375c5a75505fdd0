// The world simulation: entities as component arrays, commands applied at the
// tick boundary in a total order, movement, contacts, a spatial grid and an
// area of interest per player, split by space into shards. Pure: no clock, no
// I/O, no threads; time is the tick number and parallelism an executor.
//
// One step(), in order (docs/world.md):
//   1. the tick's commands are sorted (command_before), validated, applied;
//   2. per shard: each entity's tentative position (velocity or move-to, NPC
//      wander, walls);
//   3. per shard: contacts with every overlapping circle (any shard),
//      obstacles, commit; entities whose new cell belongs to another shard
//      are handed over through that shard's inbox;
//   4. per shard: the inbox is inserted into the grid;
//   5. per shard: the area of interest of every player the shard holds.
// Results (state, hash, events) are the same for every shard count.
//
// Joins and leaves are system commands (sender system_sender) applied in
// step 1 with the others: a join takes the lowest free id (freed by a leave
// in an earlier tick), else the next new one; a leave frees its id at the end
// of the tick, so that id is reused at the earliest by a join of the next
// tick, after every view has reported it as left.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/world/command.hpp"
#include "metronome/world/config.hpp"
#include "metronome/world/detail/view_entry.hpp"
#include "metronome/world/executor.hpp"
#include "metronome/world/fixed.hpp"
#include "metronome/world/shard_exchange.hpp"

namespace metronome::world {

enum class entity_kind : std::uint8_t { player = 0, npc = 1 };

/// The owner of an NPC: nobody.
inline constexpr std::uint32_t no_owner = 0xFFFFFFFFu;

/// What one step() produced besides the new state.
struct step_report {
  std::uint64_t tick = 0;
  std::vector<rejection> rejections;    ///< in command order
  std::vector<emote_event> emotes;      ///< accepted emotes, in command order
  std::vector<join_event> joined;       ///< accepted joins, in command order (ids assigned)
  std::vector<std::uint32_t> departed;  ///< entities removed by accepted leaves, in command order
  std::uint64_t moved = 0;              ///< entities whose position changed
  std::uint64_t handovers = 0;          ///< entities that changed shard
  std::uint64_t aoi_checks = 0, aoi_rebuilds = 0, aoi_candidates = 0;
};

class world {
 public:
  /// Precondition: validate(config, pop) is nullopt (else std::invalid_argument).
  world(world_config config, population pop);
  /// Entities placed by hand. Precondition: validate(config) is nullopt, every
  /// position inside the world and every velocity within max_speed (else
  /// std::invalid_argument).
  world(world_config config, std::span<const spawn> entities);
  ~world();
  world(world&&) noexcept;
  world& operator=(world&&) noexcept;

  const world_config& config() const noexcept;
  /// The last tick stepped (0 before the first step).
  std::uint64_t tick() const noexcept;
  /// The size of the id space: ids are 0..entity_count()-1, of which those
  /// freed by a leave and not yet reused are not alive.
  std::uint32_t entity_count() const noexcept;
  /// Entities alive now (entity_count() minus the free ids).
  std::uint32_t live_count() const noexcept;
  bool alive(std::uint32_t id) const;
  /// The key a join gave the entity ("" for entities the world started with).
  const std::string& key(std::uint32_t id) const;
  /// The live entity a key names, if any.
  std::optional<std::uint32_t> find(std::string_view key) const;
  /// The last command sequence accepted from this entity as sender (0 before
  /// its first): its next command needs a greater one.
  std::uint64_t last_sequence(std::uint32_t id) const;

  /// Applies tick() + 1: `commands` are those meant for it (others are
  /// rejected as wrong_tick). The report stays valid until the next step.
  const step_report& step(std::span<const command> commands, executor& ex);
  const step_report& step(std::span<const command> commands);  ///< serial

  /// Applies tick() + 1 as shard `self` of config().shards, one process per
  /// shard (shard_exchange.hpp): the commands applied here, the move and
  /// settle phases computed for this shard's strip only, the other shards'
  /// results taken from `ex`, the receive phase for every strip, the see
  /// phase for the players this shard holds. Afterwards the state is the one
  /// step() gives (same hash), except the views and event lists of players
  /// other shards hold (empty here) and the report's aoi counters (this
  /// shard's). Throws std::out_of_range when self >= shards, and
  /// std::invalid_argument when an imported output is malformed (the world
  /// is then unusable: restore it).
  const step_report& step_shard(std::span<const command> commands, std::uint32_t self, shard_exchange& ex);
  /// Empties the views and event lists of the players shard `self` does not
  /// hold (after a world was stepped whole, e.g. replayed, to run as that shard).
  void keep_views_of(std::uint32_t self);
  /// Why `bytes` is not an output another shard could send shard `self` for
  /// the next tick (nullopt when it is). For tests and fuzzing.
  std::optional<std::string> check_shard_output(std::string_view bytes, std::uint32_t self) const;

  entity_kind kind(std::uint32_t id) const;
  std::uint32_t owner(std::uint32_t id) const;
  vec2 position(std::uint32_t id) const;
  vec2 velocity(std::uint32_t id) const;
  std::span<const vec2> positions() const noexcept;
  /// Whether the entity's position changed in the last step.
  bool moved(std::uint32_t id) const;
  /// The shard that holds the entity now (the strip of grid columns it is in).
  /// Precondition: alive(id).
  std::uint32_t shard_of(std::uint32_t id) const;
  /// Where the shards' strips meet, west to east, in fixed-point units: the
  /// x of the first column of every strip but the first (config().shards - 1
  /// values, increasing): shard s holds the entities whose x lies in
  /// [borders[s-1], borders[s]), the first and last strips reaching the edges.
  std::vector<std::int32_t> shard_borders() const;

  /// The entities a player sees after the last step, sorted by id.
  std::vector<std::uint32_t> visible(std::uint32_t player) const;
  /// Those that entered / left the player's view in the last step, sorted.
  std::span<const std::uint32_t> entered(std::uint32_t player) const;
  std::span<const std::uint32_t> left(std::uint32_t player) const;
  /// Calls f(id) for each entity visible to the player that moved in the last
  /// step (in no particular order): the "moved while visible" events, derived
  /// rather than stored, since with everything moving they are every pair.
  template <class F>
  void for_each_moved_visible(std::uint32_t player, F&& f) const {
    for (const std::uint32_t entry : tracked(player)) {
      if (detail::entry_is_visible(entry) && moved(detail::entry_id(entry))) f(detail::entry_id(entry));
    }
  }
  std::uint32_t visible_count(std::uint32_t player) const;

  /// What to send a player this tick under a budget: the visible entities
  /// that moved, at most `cap` of them, nearest first (ties by id), so a
  /// player in a hot cell gets its neighbourhood every tick and the rest of
  /// the crowd when it thins. Replaces the contents of `out`.
  void nearest_moved_visible(std::uint32_t player, std::size_t cap, std::vector<std::uint32_t>& out) const;

  /// Rejections since the world began, by reason.
  const rejection_counts& rejections() const noexcept;

  /// The world hash (docs/world.md): SplitMix64's finalizer folded over every
  /// entity's state in id order.
  std::uint64_t hash() const;

  /// Everything that decides the world's future, as bytes (snapshot.hpp).
  std::string save() const;
  /// The world save() encoded. Throws std::invalid_argument naming the defect
  /// for anything else (never undefined behaviour, for any input).
  static world restore(std::string_view bytes);

 private:
  struct impl;
  explicit world(std::unique_ptr<impl> state) noexcept;
  std::span<const std::uint32_t> tracked(std::uint32_t player) const;
  std::unique_ptr<impl> impl_;
};

}  // namespace metronome::world

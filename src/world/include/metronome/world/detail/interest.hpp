// Area of interest for one player, kept incrementally.
//
// Each player keeps a candidate list: every entity within track = radius +
// margin + skin at the last rebuild, each with a "visible" bit and the
// earliest moment its status could change. Moments are measured on the
// world's reach clock g: g grows each tick by twice the largest distance any
// entity moved that tick, so the distance of any pair changes by at most the
// growth of g. An entry is re-checked only when g has grown by its slack (its
// distance to the threshold that would flip it), and the list is rebuilt from
// the grid before an untracked entity could come within the radius (when g
// has grown by more than margin + skin). Pairs deep inside or far outside are
// therefore not touched for many ticks, and nothing is checked while nothing
// moves. The schedule affects speed only: the visible sets are exactly
//   visible_t = {e : d_t <= R} u {e in visible_{t-1} : d_t <= R + M}.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "metronome/world/detail/grid.hpp"
#include "metronome/world/detail/view_entry.hpp"
#include "metronome/world/fixed.hpp"

namespace metronome::world::detail {

/// Thresholds of the area of interest, precomputed (fixed-point units).
struct aoi_rules {
  std::int64_t radius = 0, leave = 0, track = 0;  // R, R + M, R + M + S
  std::int64_t enter2 = 0, leave2 = 0, track2 = 0, far2 = 0;
  std::uint32_t limit = 0;        // M + S: rebuild before g grows past it
  std::uint32_t quantum = 1;      // units of g per due quantum of an entry (view_entry.hpp)
  std::uint64_t inv_inside = 0;   // floor((2^64 - 1) / (2 (R + M)))
  std::uint64_t inv_outside = 0;  // floor((2^64 - 1) / (far + R)), far = track + limit

  static aoi_rules make(std::int32_t radius, std::int32_t margin, std::int32_t skin);
};

/// The largest margin + skin (units): keeps the quantum of the entry clock small.
inline constexpr std::int64_t max_margin_plus_skin = 65534;

struct interest {
  bool built = false;
  std::int64_t base = 0;               // g at the last rebuild
  std::uint32_t limit = 0;             // rebuild when g - base > limit (<= rules.limit, staggered per player)
  std::vector<std::uint32_t> entries;  // view_entry.hpp; due: re-check when (g - base) / quantum >= due
  std::uint32_t visible = 0;           // number of visible entries
};

/// Per-shard scratch space, reused across players.
struct aoi_scratch {
  std::vector<std::uint8_t> mark;  // one byte per entity, all zero between calls
  std::vector<std::uint32_t> entries;
};

struct aoi_counters {
  std::uint64_t checks = 0;      // exact distance tests of tracked entries
  std::uint64_t rebuilds = 0;    // candidate lists rebuilt from the grid
  std::uint64_t candidates = 0;  // entities read from the grid by rebuilds
};

/// Brings one player's interest up to date with positions `pos` at reach
/// clock g, appending the ids that entered and left (unsorted).
void update_interest(interest& in, std::uint32_t self, std::int64_t g, const aoi_rules& rules, const grid& cells, std::span<const vec2> pos,
                     aoi_scratch& scratch, std::vector<std::uint32_t>& entered, std::vector<std::uint32_t>& left, aoi_counters& counters);

}  // namespace metronome::world::detail

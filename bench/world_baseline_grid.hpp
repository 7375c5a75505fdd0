// The straightforward area-of-interest grid the world core is measured
// against (issue 9, benchmark (a)): every tick it moves every entity, rebuilds
// the cells from scratch, scans the 3x3 cells around each player, and diffs
// the new visible set against last tick's. Cells are as wide as radius +
// margin, so 3x3 cells hold every candidate. Same fixed-point rules and
// hysteresis as the core, no contacts; it exists only to be compared with.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "metronome/world/fixed.hpp"

namespace metronome::bench {

class baseline_grid {
 public:
  struct entity {
    world::vec2 pos, vel;
    bool player = false;
  };
  baseline_grid(std::int32_t half_size, std::int32_t radius, std::int32_t margin, std::int32_t entity_radius, std::vector<entity> entities);

  void tick();

  std::uint64_t entered() const noexcept { return entered_; }  ///< events of the last tick
  std::uint64_t left() const noexcept { return left_; }
  std::span<const std::uint32_t> visible(std::uint32_t player) const { return visible_[player]; }

 private:
  std::int32_t half_, radius_, leave_, wall_;
  std::int32_t cell_;
  std::uint32_t columns_;
  std::vector<entity> entities_;
  std::vector<std::vector<std::uint32_t>> cells_;
  std::vector<std::vector<std::uint32_t>> visible_;  // sorted, per entity (players only)
  std::vector<std::uint32_t> next_, diff_;
  std::uint64_t entered_ = 0, left_ = 0;
};

}  // namespace metronome::bench

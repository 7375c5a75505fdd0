#include "world_baseline_grid.hpp"

#include <algorithm>
#include <iterator>

namespace metronome::bench {

baseline_grid::baseline_grid(std::int32_t half_size, std::int32_t radius, std::int32_t margin, std::int32_t entity_radius,
                             std::vector<entity> entities)
    : half_(half_size),
      radius_(radius),
      leave_(radius + margin),
      wall_(half_size - entity_radius),
      cell_(radius + margin),
      columns_(static_cast<std::uint32_t>((2 * std::int64_t{half_size} + cell_) / cell_)),
      entities_(std::move(entities)),
      cells_(std::size_t{columns_} * columns_),
      visible_(entities_.size()) {}

void baseline_grid::tick() {
  // Move, bouncing off the walls like the core's wandering entities.
  for (entity& e : entities_) {
    world::vec2 t{e.pos.x + e.vel.x, e.pos.y + e.vel.y};
    if (t.x > wall_ || t.x < -wall_) {
      t.x = std::clamp(t.x, -wall_, wall_);
      e.vel.x = -e.vel.x;
    }
    if (t.y > wall_ || t.y < -wall_) {
      t.y = std::clamp(t.y, -wall_, wall_);
      e.vel.y = -e.vel.y;
    }
    e.pos = t;
  }
  // Rebuild the cells.
  for (auto& c : cells_) c.clear();
  auto column = [&](std::int32_t v) { return std::min(static_cast<std::uint32_t>((std::int64_t{v} + half_) / cell_), columns_ - 1); };
  for (std::uint32_t i = 0; i < entities_.size(); ++i) {
    cells_[column(entities_[i].pos.y) * columns_ + column(entities_[i].pos.x)].push_back(i);
  }
  // Scan 3x3 around each player and diff against last tick.
  const std::int64_t r2 = std::int64_t{radius_} * radius_, l2 = std::int64_t{leave_} * leave_;
  entered_ = left_ = 0;
  for (std::uint32_t p = 0; p < entities_.size(); ++p) {
    if (!entities_[p].player) continue;
    const world::vec2 me = entities_[p].pos;
    const std::uint32_t cx = column(me.x), cy = column(me.y);
    const auto& before = visible_[p];
    next_.clear();
    for (std::uint32_t y = cy == 0 ? 0 : cy - 1; y <= std::min(cy + 1, columns_ - 1); ++y) {
      for (std::uint32_t x = cx == 0 ? 0 : cx - 1; x <= std::min(cx + 1, columns_ - 1); ++x) {
        for (const std::uint32_t e : cells_[y * columns_ + x]) {
          if (e == p) continue;
          const std::int64_t d2 = world::distance2(me, entities_[e].pos);
          if (d2 <= r2 || (d2 <= l2 && std::binary_search(before.begin(), before.end(), e))) next_.push_back(e);
        }
      }
    }
    std::sort(next_.begin(), next_.end());
    diff_.clear();
    std::set_difference(next_.begin(), next_.end(), before.begin(), before.end(), std::back_inserter(diff_));
    entered_ += diff_.size();
    diff_.clear();
    std::set_difference(before.begin(), before.end(), next_.begin(), next_.end(), std::back_inserter(diff_));
    left_ += diff_.size();
    visible_[p].assign(next_.begin(), next_.end());
  }
}

}  // namespace metronome::bench

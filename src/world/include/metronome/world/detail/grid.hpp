// The spatial grid: square cells over [-half, half]^2, each holding the ids of
// the entities whose position lies in it. Insert, move and remove are O(1)
// (swap-remove with a back-pointer per entity). A cell is written only by the
// shard that owns its column; reads of any cell happen in phases where no
// shard writes (see world.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "metronome/world/fixed.hpp"

namespace metronome::world::detail {

class grid {
 public:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;

  grid(std::int32_t half_size, std::int32_t cell_size, std::uint32_t entities);

  std::uint32_t columns() const noexcept { return columns_; }
  std::uint32_t rows() const noexcept { return columns_; }
  std::int32_t cell_size() const noexcept { return cell_size_; }

  /// Column (or row) holding coordinate v; coordinates outside the world clamp to the edge.
  std::uint32_t column_at(std::int32_t v) const noexcept {
    const std::int64_t c = (std::int64_t{v} + half_) / cell_size_;
    if (c < 0) return 0;
    if (c >= columns_) return columns_ - 1;
    return static_cast<std::uint32_t>(c);
  }
  std::uint32_t cell_at(vec2 p) const noexcept { return column_at(p.y) * columns_ + column_at(p.x); }
  std::uint32_t column_of_cell(std::uint32_t cell) const noexcept { return cell % columns_; }

  /// Makes room for ids below `entities` (new ids start outside the grid).
  void grow(std::uint32_t entities);
  void insert(std::uint32_t entity, std::uint32_t cell);
  void remove(std::uint32_t entity);
  /// Moves an entity to another cell (both owned by the caller's shard).
  void move(std::uint32_t entity, std::uint32_t cell);

  std::uint32_t cell_of(std::uint32_t entity) const noexcept { return cell_of_[entity]; }
  std::span<const std::uint32_t> items(std::uint32_t cell) const noexcept { return cells_[cell]; }
  std::span<const std::uint32_t> items(std::uint32_t col, std::uint32_t row) const noexcept { return cells_[row * columns_ + col]; }

  /// Calls f(id) for every entity in the cells overlapping [lo, hi] (a superset
  /// of the entities inside the box; the caller filters by exact distance).
  template <class F>
  void for_each_near(vec2 lo, vec2 hi, F&& f) const {
    const std::uint32_t c0 = column_at(lo.x), c1 = column_at(hi.x);
    const std::uint32_t r0 = column_at(lo.y), r1 = column_at(hi.y);
    for (std::uint32_t r = r0; r <= r1; ++r) {
      for (std::uint32_t c = c0; c <= c1; ++c) {
        for (const std::uint32_t id : cells_[r * columns_ + c]) f(id);
      }
    }
  }

 private:
  std::int32_t half_;
  std::int32_t cell_size_;
  std::uint32_t columns_;
  std::vector<std::vector<std::uint32_t>> cells_;
  std::vector<std::uint32_t> cell_of_;       // none when not in the grid
  std::vector<std::uint32_t> slot_in_cell_;  // index in cells_[cell_of_[e]]
};

/// Number of columns a world of this size and cell size has.
std::uint64_t grid_columns(std::int32_t half_size, std::int32_t cell_size) noexcept;

}  // namespace metronome::world::detail

#include "metronome/world/detail/grid.hpp"

#include <cassert>

namespace metronome::world::detail {

std::uint64_t grid_columns(std::int32_t half_size, std::int32_t cell_size) noexcept {
  const auto width = static_cast<std::uint64_t>(2 * std::int64_t{half_size} + 1);
  const auto cell = static_cast<std::uint64_t>(cell_size);
  return (width + cell - 1) / cell;
}

grid::grid(std::int32_t half_size, std::int32_t cell_size, std::uint32_t entities)
    : half_(half_size),
      cell_size_(cell_size),
      columns_(static_cast<std::uint32_t>(grid_columns(half_size, cell_size))),
      cells_(std::size_t{columns_} * columns_),
      cell_of_(entities, none),
      slot_in_cell_(entities, none) {}

void grid::grow(std::uint32_t entities) {
  if (entities <= cell_of_.size()) return;
  cell_of_.resize(entities, none);
  slot_in_cell_.resize(entities, none);
}

void grid::insert(std::uint32_t entity, std::uint32_t cell) {
  assert(cell_of_[entity] == none);
  auto& items = cells_[cell];
  cell_of_[entity] = cell;
  slot_in_cell_[entity] = static_cast<std::uint32_t>(items.size());
  items.push_back(entity);
}

void grid::remove(std::uint32_t entity) {
  const std::uint32_t cell = cell_of_[entity];
  assert(cell != none);
  auto& items = cells_[cell];
  const std::uint32_t slot = slot_in_cell_[entity];
  const std::uint32_t last = items.back();
  items[slot] = last;
  slot_in_cell_[last] = slot;
  items.pop_back();
  cell_of_[entity] = none;
  slot_in_cell_[entity] = none;
}

void grid::move(std::uint32_t entity, std::uint32_t cell) {
  if (cell_of_[entity] == cell) return;
  remove(entity);
  insert(entity, cell);
}

}  // namespace metronome::world::detail

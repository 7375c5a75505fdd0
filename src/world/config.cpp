#include "metronome/world/config.hpp"

#include <string>

#include "metronome/world/detail/grid.hpp"
#include "metronome/world/detail/interest.hpp"

namespace metronome::world {
namespace {

std::string range_error(const char* field, std::int64_t value, std::int64_t lo, std::int64_t hi) {
  return std::string(field) + " must be from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " + std::to_string(value);
}

}  // namespace

std::optional<std::string> validate(const world_config& c) {
  constexpr std::int64_t u = units_per_world_unit;
  auto check = [](const char* field, std::int64_t v, std::int64_t lo, std::int64_t hi) -> std::optional<std::string> {
    if (v < lo || v > hi) return range_error(field, v, lo, hi);
    return std::nullopt;
  };
  if (auto e = check("half_size", c.half_size, u, std::int64_t{max_half_world_units} * u)) return e;
  if (auto e = check("entity_radius", c.entity_radius, 0, 64 * u)) return e;
  if (auto e = check("max_speed", c.max_speed, 0, 64 * u)) return e;
  // Contacts look for neighbours one grid column beyond a shard's strip: an
  // entity and anything it can touch this tick are at most one column apart.
  const std::int64_t min_cell = 2 * std::int64_t{c.max_speed} + 2 * std::int64_t{c.entity_radius} + 1;
  if (auto e = check("cell_size", c.cell_size, min_cell, 2 * std::int64_t{c.half_size} + 1)) {
    return *e + " (at least 2 * max_speed + 2 * entity_radius + 1)";
  }
  const std::uint64_t columns = detail::grid_columns(c.half_size, c.cell_size);
  if (columns * columns > (std::uint64_t{1} << 22)) {
    return "the grid would have " + std::to_string(columns * columns) + " cells; at most 4194304 (raise cell_size)";
  }
  if (auto e = check("aoi_radius", c.aoi_radius, 1, 4 * std::int64_t{c.half_size})) return e;
  if (auto e = check("aoi_margin", c.aoi_margin, 0, detail::max_margin_plus_skin)) return e;
  if (auto e = check("aoi_skin", c.aoi_skin, 0, detail::max_margin_plus_skin - c.aoi_margin)) {
    return *e + " (margin + skin at most " + std::to_string(detail::max_margin_plus_skin) + " units)";
  }
  if (auto e = check("npc_turn_ticks", c.npc_turn_ticks, 1, 1'000'000)) return e;
  if (auto e = check("max_commands_per_tick", c.max_commands_per_tick, 1, 1024)) return e;
  if (auto e = check("max_emote_bytes", c.max_emote_bytes, 1, 4096)) return e;
  if (auto e = check("shards", c.shards, 1, std::min<std::int64_t>(max_shards, static_cast<std::int64_t>(columns)))) {
    return *e + " (at most one shard per grid column)";
  }
  if (c.obstacles.size() > max_obstacles) return "at most " + std::to_string(max_obstacles) + " obstacles";
  for (std::size_t i = 0; i < c.obstacles.size(); ++i) {
    const aabb& b = c.obstacles[i];
    const bool inside = b.min.x >= -c.half_size && b.min.y >= -c.half_size && b.max.x <= c.half_size && b.max.y <= c.half_size;
    if (b.min.x > b.max.x || b.min.y > b.max.y || !inside) {
      return "obstacle " + std::to_string(i) + " must have min <= max and lie inside the world";
    }
  }
  return std::nullopt;
}

std::optional<std::string> validate(const world_config& config, const population& pop) {
  if (auto e = validate(config)) return e;
  if (pop.entities > max_entities) return range_error("entities", pop.entities, 0, max_entities);
  if (pop.players > pop.entities) return range_error("players", pop.players, 0, pop.entities);
  return std::nullopt;
}

}  // namespace metronome::world

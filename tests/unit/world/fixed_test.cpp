#include <gtest/gtest.h>

#include <random>

#include "metronome/world/config.hpp"
#include "metronome/world/detail/grid.hpp"
#include "metronome/world/fixed.hpp"

namespace metronome::world {
namespace {

TEST(fixed, isqrt_is_the_exact_floor) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::int64_t>(rng() >> (1 + rng() % 62));
    const std::int64_t r = isqrt(v);
    ASSERT_LE(r * r, v);
    ASSERT_GT((r + 1) * (r + 1), v);
  }
  EXPECT_EQ(isqrt(0), 0);
  EXPECT_EQ(isqrt(1), 1);
  EXPECT_EQ(isqrt(99), 9);
  EXPECT_EQ(isqrt(100), 10);
}

TEST(fixed, abs32_does_not_overflow) { EXPECT_EQ(abs32(std::numeric_limits<std::int32_t>::min()), std::int64_t{1} << 31); }

TEST(config, defaults_are_valid) { EXPECT_EQ(validate(world_config{}), std::nullopt); }

TEST(config, every_limit_is_enforced) {
  auto bad = [](auto change) {
    world_config c;
    change(c);
    return validate(c).has_value();
  };
  EXPECT_TRUE(bad([](world_config& c) { c.half_size = 0; }));
  EXPECT_TRUE(bad([](world_config& c) { c.half_size = (max_half_world_units + 1) * units_per_world_unit; }));
  EXPECT_TRUE(bad([](world_config& c) { c.cell_size = 2 * c.max_speed + 2 * c.entity_radius; }));
  EXPECT_TRUE(bad([](world_config& c) { c.cell_size = 1 * units_per_world_unit; }));  // too many cells
  EXPECT_TRUE(bad([](world_config& c) { c.aoi_radius = 0; }));
  EXPECT_TRUE(bad([](world_config& c) { c.aoi_margin = -1; }));
  EXPECT_TRUE(bad([](world_config& c) { c.aoi_skin = 65535 - c.aoi_margin; }));
  EXPECT_TRUE(bad([](world_config& c) { c.max_speed = -1; }));
  EXPECT_TRUE(bad([](world_config& c) { c.entity_radius = -1; }));
  EXPECT_TRUE(bad([](world_config& c) { c.npc_turn_ticks = 0; }));
  EXPECT_TRUE(bad([](world_config& c) { c.max_commands_per_tick = 0; }));
  EXPECT_TRUE(bad([](world_config& c) { c.max_emote_bytes = 0; }));
  EXPECT_TRUE(bad([](world_config& c) { c.shards = 0; }));
  EXPECT_TRUE(bad([](world_config& c) { c.shards = 100; }));
  EXPECT_TRUE(bad([](world_config& c) { c.obstacles = {aabb{{10, 10}, {5, 20}}}; }));
  EXPECT_TRUE(bad([](world_config& c) { c.obstacles = {aabb{{0, 0}, {c.half_size + 1, 5}}}; }));
  EXPECT_FALSE(bad([](world_config& c) { c.obstacles = {aabb{{-5, -5}, {5, 5}}}; }));
  EXPECT_TRUE(validate(world_config{}, population{.entities = 5, .players = 6}).has_value());
  EXPECT_TRUE(validate(world_config{}, population{.entities = max_entities + 1, .players = 0}).has_value());
}

TEST(grid, insert_move_remove_match_a_brute_force_map) {
  constexpr std::uint32_t n = 2000;
  detail::grid g(100 * units_per_world_unit, 8 * units_per_world_unit, n);
  std::vector<std::uint32_t> cell(n, detail::grid::none);
  std::mt19937 rng(11);
  const std::uint32_t cells = g.columns() * g.rows();
  for (int op = 0; op < 200'000; ++op) {
    const auto e = static_cast<std::uint32_t>(rng() % n);
    const auto c = static_cast<std::uint32_t>(rng() % cells);
    if (cell[e] == detail::grid::none) {
      g.insert(e, c);
      cell[e] = c;
    } else if (rng() % 3 == 0) {
      g.remove(e);
      cell[e] = detail::grid::none;
    } else {
      g.move(e, c);
      cell[e] = c;
    }
  }
  for (std::uint32_t c = 0; c < cells; ++c) {
    std::vector<std::uint32_t> got(g.items(c).begin(), g.items(c).end()), want;
    for (std::uint32_t e = 0; e < n; ++e) {
      if (cell[e] == c) want.push_back(e);
    }
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, want) << "cell " << c;
  }
  for (std::uint32_t e = 0; e < n; ++e) EXPECT_EQ(g.cell_of(e), cell[e]);
}

TEST(grid, cells_cover_the_world_edges) {
  detail::grid g(1000 * units_per_world_unit, 32 * units_per_world_unit, 1);
  const std::int32_t h = 1000 * units_per_world_unit;
  EXPECT_EQ(g.column_at(-h), 0u);
  EXPECT_EQ(g.column_at(h), g.columns() - 1);
  EXPECT_EQ(g.column_at(h + 100), g.columns() - 1);
  EXPECT_EQ(g.column_at(-h - 100), 0u);
}

}  // namespace
}  // namespace metronome::world

// world::shard_borders(): the x where the shards' strips meet agrees with
// shard_of() for entities just west and just east of every border, for shard
// counts that divide the columns evenly and that do not.
#include <gtest/gtest.h>

#include <vector>

#include "metronome/world/world.hpp"

namespace metronome::world {
namespace {

constexpr std::int32_t u = units_per_world_unit;

world_config config_with(std::uint32_t shards) {
  world_config c;
  c.half_size = 100 * u;
  c.cell_size = 8 * u;  // 25 columns: 2, 3 and 7 shards split them unevenly
  c.aoi_radius = 10 * u;
  c.aoi_margin = u;
  c.aoi_skin = u;
  c.entity_radius = 0;
  c.shards = shards;
  return c;
}

TEST(ShardBorders, OneShardHasNone) { EXPECT_TRUE(world(config_with(1), population{.entities = 4, .players = 1}).shard_borders().empty()); }

TEST(ShardBorders, MatchShardOfOnEitherSide) {
  for (const std::uint32_t shards : {2u, 3u, 5u, 7u, 25u}) {
    SCOPED_TRACE(shards);
    const world_config c = config_with(shards);
    // Probe: a world with no entities gives the borders; then one entity on
    // each side of each border (and the world's two edges).
    const std::vector<std::int32_t> borders = world(c, std::vector<spawn>{}).shard_borders();
    ASSERT_EQ(borders.size(), shards - 1);
    std::vector<spawn> probes{{.position = {-c.half_size, 0}}, {.position = {c.half_size, 0}}};
    for (std::size_t i = 0; i < borders.size(); ++i) {
      if (i > 0) {
        EXPECT_LT(borders[i - 1], borders[i]);
      }
      EXPECT_GT(borders[i], -c.half_size);
      EXPECT_LT(borders[i], c.half_size);
      EXPECT_EQ((std::int64_t{borders[i]} + c.half_size) % c.cell_size, 0) << "a border is a column's west edge";
      probes.push_back({.player = true, .position = {borders[i] - 1, static_cast<std::int32_t>(i) * u}});
      probes.push_back({.position = {borders[i], static_cast<std::int32_t>(i) * u}});
    }
    const world w(c, probes);
    EXPECT_EQ(w.shard_borders(), borders);
    EXPECT_EQ(w.shard_of(0), 0u);
    EXPECT_EQ(w.shard_of(1), shards - 1);
    for (std::uint32_t i = 0; i < borders.size(); ++i) {
      EXPECT_EQ(w.shard_of(2 + 2 * i), i) << "just west of border " << i;
      EXPECT_EQ(w.shard_of(3 + 2 * i), i + 1) << "at border " << i;
    }
  }
}

}  // namespace
}  // namespace metronome::world

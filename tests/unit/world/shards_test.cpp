#include <gtest/gtest.h>

#include <random>

#include "metronome/world/detail/grid.hpp"
#include "metronome/world/runner/thread_executor.hpp"
#include "metronome/world/world.hpp"
#include "world_test_support.hpp"

namespace metronome::world {
namespace {

using testing::u;

/// Everything a run yields, tick by tick: hash, then each player's events.
std::vector<std::uint64_t> trace(world_config c, population pop, int ticks, executor& ex) {
  world w(c, pop);
  std::vector<std::uint64_t> out;
  std::mt19937_64 rng(c.seed);
  std::uint64_t seq = 0;
  for (int t = 0; t < ticks; ++t) {
    std::vector<command> cmds;
    ++seq;
    for (std::uint32_t p = 0; p < pop.players; p += 7) {
      const auto vx = static_cast<std::int32_t>(rng() % 141) - 70;
      cmds.push_back(
          {.tick = w.tick() + 1, .player = p, .sequence = seq, .entity = p, .kind = command_kind::set_velocity, .a = vx, .b = 0});
    }
    w.step(cmds, ex);
    out.push_back(w.hash());
    for (std::uint32_t p = 0; p < pop.players; ++p) {
      for (auto e : w.entered(p)) out.push_back((std::uint64_t{p} << 32) | e);
      for (auto e : w.left(p)) out.push_back((std::uint64_t{p} << 32) | e | 0x80000000u);
    }
  }
  return out;
}

world_config crossing_config() {
  world_config c;
  c.seed = 99;
  c.half_size = 100 * u;
  c.cell_size = 4 * u;  // 51 narrow columns: strips of 6 to 51 columns
  c.aoi_radius = 12 * u;
  c.aoi_margin = u;
  c.aoi_skin = 3 * u;
  c.npc_turn_ticks = 5;
  return c;
}

TEST(shards, same_hash_and_events_for_1_2_4_8_shards) {
  const population pop{.entities = 2500, .players = 800};
  serial_executor serial;
  world_config c = crossing_config();
  const auto one = trace(c, pop, 60, serial);
  for (std::uint32_t k : {2u, 4u, 8u}) {
    c.shards = k;
    EXPECT_EQ(trace(c, pop, 60, serial), one) << k << " shards, serial";
    runner::thread_executor threads(k);
    EXPECT_EQ(trace(c, pop, 60, threads), one) << k << " shards, " << k << " threads";
  }
  runner::thread_executor two(2);
  c.shards = 8;
  EXPECT_EQ(trace(c, pop, 60, two), one) << "8 shards on 2 threads";
}

TEST(shards, every_entity_is_held_by_exactly_the_shard_of_its_column) {
  world_config c = crossing_config();
  c.shards = 8;
  const std::uint32_t n = 3000;
  world w(c, population{.entities = n, .players = 300});
  runner::thread_executor threads(4);
  const auto columns = static_cast<std::uint32_t>(detail::grid_columns(c.half_size, c.cell_size));
  detail::grid g(c.half_size, c.cell_size, 1);
  std::uint64_t handovers = 0;
  testing::brute_force_aoi brute(w);
  std::string why;
  for (int t = 0; t < 100; ++t) {
    handovers += w.step({}, threads).handovers;
    ASSERT_TRUE(brute.check(w, why)) << why;
    std::vector<std::uint32_t> per_shard(c.shards);
    for (std::uint32_t e = 0; e < n; ++e) {
      const std::uint32_t col = g.column_at(w.position(e).x);
      std::uint32_t want = 0;
      while (std::uint64_t{want + 1} * columns / c.shards <= col) ++want;
      ASSERT_EQ(w.shard_of(e), want) << "entity " << e << " tick " << t;
      ++per_shard[want];
    }
    std::uint32_t total = 0;
    for (auto k : per_shard) total += k;
    ASSERT_EQ(total, n);
  }
  EXPECT_GT(handovers, 1000u);
}

TEST(shards, runs_repeat_exactly) {
  world_config c = crossing_config();
  c.shards = 4;
  runner::thread_executor threads(4);
  const population pop{.entities = 1500, .players = 500};
  EXPECT_EQ(trace(c, pop, 40, threads), trace(c, pop, 40, threads));
}

}  // namespace
}  // namespace metronome::world

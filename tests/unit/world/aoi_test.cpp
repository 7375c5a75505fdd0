#include <gtest/gtest.h>

#include <random>

#include "metronome/world/world.hpp"
#include "world_test_support.hpp"

namespace metronome::world {
namespace {

using testing::brute_force_aoi;
using testing::u;

void expect_matches_brute_force(world& w, int ticks) {
  brute_force_aoi brute(w);
  std::string why;
  for (int t = 0; t < ticks; ++t) {
    w.step({});
    ASSERT_TRUE(brute.check(w, why)) << why;
  }
}

world_config random_config(std::uint64_t seed, std::int32_t margin) {
  world_config c;
  c.seed = seed;
  c.half_size = 150 * u;
  c.cell_size = 8 * u;
  c.aoi_radius = 20 * u;
  c.aoi_margin = margin;
  c.aoi_skin = 5 * u;
  c.npc_turn_ticks = 7;
  return c;
}

TEST(aoi, random_worlds_match_brute_force_with_margin) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    world w(random_config(seed, 3 * u), population{.entities = 400, .players = 150});
    expect_matches_brute_force(w, 80);
  }
}

TEST(aoi, random_worlds_match_brute_force_without_margin) {
  world w(random_config(9, 0), population{.entities = 400, .players = 150});
  expect_matches_brute_force(w, 80);
}

TEST(aoi, no_skin_rebuilds_every_moving_tick_and_still_matches) {
  world_config c = random_config(4, 2 * u);
  c.aoi_skin = 0;
  world w(c, population{.entities = 300, .players = 100});
  expect_matches_brute_force(w, 40);
}

TEST(aoi, radius_boundary_and_hysteresis_are_exact) {
  world_config c;
  c.half_size = 500 * u;
  c.entity_radius = 0;
  c.aoi_radius = 100 * u;
  c.aoi_margin = 50;  // units: small enough to cross in one step
  const std::int32_t r = c.aoi_radius, m = c.aoi_margin;
  // Player 0 stands at the origin; player 1 walks along the x axis.
  const std::vector<spawn> s{{true, {0, 0}, {}}, {true, {r + 10, 0}, {}}, {false, {-r, 0}, {}}, {false, {0, -r - 1}, {}}};
  world w(c, s);
  std::uint64_t seq = 0;
  auto walk = [&](std::int32_t vx) {
    const std::vector<command> cmd{
        {.tick = w.tick() + 1, .player = 1, .sequence = ++seq, .entity = 1, .kind = command_kind::set_velocity, .a = vx, .b = 0}};
    return w.step(cmd).rejections.size();
  };
  auto sees = [&](std::uint32_t p, std::uint32_t e) {
    const auto v = w.visible(p);
    return std::find(v.begin(), v.end(), e) != v.end();
  };
  ASSERT_EQ(walk(-10), 0u);  // now exactly at r: inside
  EXPECT_EQ(w.position(1).x, r);
  EXPECT_TRUE(sees(0, 1));
  EXPECT_TRUE(sees(1, 0));
  EXPECT_TRUE(sees(0, 2));   // an NPC exactly at r (it turns only on its own ticks)
  EXPECT_FALSE(sees(0, 3));  // one unit beyond r, never visible before
  ASSERT_EQ(walk(m), 0u);    // at r + m: still visible (hysteresis)
  EXPECT_TRUE(sees(0, 1));
  ASSERT_EQ(walk(1), 0u);  // at r + m + 1: left
  EXPECT_FALSE(sees(0, 1));
  ASSERT_EQ(w.left(0).size(), 1u);
  EXPECT_EQ(w.left(0)[0], 1u);
  ASSERT_EQ(walk(-1), 0u);  // back at r + m: not visible until r
  EXPECT_FALSE(sees(0, 1));
  ASSERT_EQ(walk(-m + 1), 0u);  // at r + 1
  EXPECT_FALSE(sees(0, 1));
  ASSERT_EQ(walk(-1), 0u);  // at r
  EXPECT_TRUE(sees(0, 1));
  ASSERT_EQ(w.entered(0).size(), 1u);
  EXPECT_FALSE(sees(0, 0));  // never itself
}

TEST(aoi, hot_cell_matches_brute_force) {
  // 600 entities within one radius of each other, 200 more around them.
  world_config c = random_config(5, 2 * u);
  std::mt19937 rng(5);
  std::vector<spawn> s;
  for (int i = 0; i < 800; ++i) {
    const bool hot = i < 600;
    const std::int32_t spread = hot ? 9 * u : 140 * u;
    const auto width = static_cast<std::uint32_t>(2 * spread);
    vec2 p{static_cast<std::int32_t>(rng() % width) - spread, static_cast<std::int32_t>(rng() % width) - spread};
    s.push_back({i % 2 == 0, p, {static_cast<std::int32_t>(rng() % 101) - 50, static_cast<std::int32_t>(rng() % 101) - 50}});
  }
  world w(c, s);
  expect_matches_brute_force(w, 40);
  EXPECT_GT(w.visible_count(0), 300u);
}

TEST(aoi, nothing_is_checked_while_nothing_moves) {
  world_config c = random_config(6, 2 * u);
  c.max_speed = 0;
  c.entity_radius = 0;  // no contacts either: nothing at all moves
  world w(c, population{.entities = 300, .players = 100});
  brute_force_aoi brute(w);
  std::string why;
  EXPECT_EQ(w.step({}).aoi_rebuilds, 100u);  // the first tick builds every view
  ASSERT_TRUE(brute.check(w, why)) << why;
  for (int t = 0; t < 3; ++t) {
    const auto& r = w.step({});
    EXPECT_EQ(r.moved, 0u);
    EXPECT_EQ(r.aoi_checks, 0u);
    EXPECT_EQ(r.aoi_rebuilds, 0u);
    ASSERT_TRUE(brute.check(w, why)) << why;
  }
}

TEST(aoi, checks_follow_motion_not_pairs) {
  world_config c = random_config(7, 3 * u);
  c.half_size = 400 * u;
  world w(c, population{.entities = 3000, .players = 3000});
  for (int i = 0; i < 30; ++i) w.step({});
  std::uint64_t pairs_in_view = 0;
  for (std::uint32_t p = 0; p < 3000; ++p) pairs_in_view += w.visible_count(p);
  const auto& r = w.step({});
  EXPECT_GT(pairs_in_view, 3000u);
  EXPECT_LT(r.aoi_checks, pairs_in_view / 2) << "checks " << r.aoi_checks << " visible pairs " << pairs_in_view;
}

}  // namespace
}  // namespace metronome::world

namespace metronome::world {
namespace {

TEST(aoi, a_capped_update_is_the_nearest_moved_visible) {
  world_config c = random_config(12, 2 * u);
  world w(c, population{.entities = 900, .players = 50});
  for (int t = 0; t < 10; ++t) w.step({});
  std::vector<std::uint32_t> got;
  for (std::uint32_t p = 0; p < 50; ++p) {
    std::vector<std::pair<std::int64_t, std::uint32_t>> all;
    for (const std::uint32_t e : w.visible(p)) {
      if (w.moved(e)) all.push_back({distance2(w.position(p), w.position(e)), e});
    }
    std::sort(all.begin(), all.end());
    for (const std::size_t cap : {std::size_t{0}, std::size_t{5}, all.size(), all.size() + 3}) {
      w.nearest_moved_visible(p, cap, got);
      ASSERT_EQ(got.size(), std::min(cap, all.size()));
      for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], all[i].second) << "player " << p << " cap " << cap;
    }
  }
}

}  // namespace
}  // namespace metronome::world

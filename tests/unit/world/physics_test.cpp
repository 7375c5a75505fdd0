#include <gtest/gtest.h>

#include <random>

#include "metronome/world/detail/contacts.hpp"
#include "metronome/world/world.hpp"
#include "world_test_support.hpp"

namespace metronome::world {
namespace {

using testing::u;

TEST(contacts, the_pair_rule_is_exactly_antisymmetric) {
  std::mt19937 rng(21);
  const std::int32_t dia = u;
  int touching = 0;
  for (int i = 0; i < 100'000; ++i) {
    const vec2 a{static_cast<std::int32_t>(rng() % 600) - 300, static_cast<std::int32_t>(rng() % 600) - 300};
    const vec2 b{static_cast<std::int32_t>(rng() % 600) - 300, static_cast<std::int32_t>(rng() % 600) - 300};
    const vec2 ab = detail::contact_push(1, a, 2, b, dia);
    const vec2 ba = detail::contact_push(2, b, 1, a, dia);
    ASSERT_EQ(ab.x, -ba.x);
    ASSERT_EQ(ab.y, -ba.y);
    if (distance2(a, b) < std::int64_t{dia} * dia) {
      ++touching;
      // Pushed apart, never together.
      ASSERT_GE(distance2({a.x + ab.x, a.y + ab.y}, {b.x + ba.x, b.y + ba.y}), distance2(a, b));
    } else {
      ASSERT_EQ(ab, vec2{});
    }
  }
  EXPECT_GT(touching, 1000);
  EXPECT_EQ(detail::contact_push(3, {5, 5}, 4, {5, 5}, dia).x, -(dia / 2));
}

TEST(contacts, the_index_finds_every_overlap) {
  std::mt19937 rng(8);
  std::vector<vec2> pos(3000);
  std::vector<std::uint32_t> ids(pos.size());
  for (std::uint32_t i = 0; i < pos.size(); ++i) {
    constexpr auto width = static_cast<std::uint32_t>(60 * u);
    pos[i] = {static_cast<std::int32_t>(rng() % width) - 30 * u, static_cast<std::int32_t>(rng() % width) - 30 * u};
    ids[i] = i;
  }
  detail::contact_index index;
  index.build(ids, ids.size(), pos, u, 1000 * u);
  std::size_t own = 0;
  index.for_each_own([&](std::uint32_t id, vec2 push) {
    ++own;
    ASSERT_EQ(push, index.push(id, pos));
  });
  EXPECT_EQ(own, pos.size());
  for (std::uint32_t i = 0; i < pos.size(); ++i) {
    std::int64_t sx = 0, sy = 0;
    for (std::uint32_t j = 0; j < pos.size(); ++j) {
      const vec2 p = detail::contact_push(i, pos[i], j, pos[j], u);
      sx += p.x;
      sy += p.y;
    }
    const vec2 got = index.push(i, pos);
    ASSERT_EQ(got.x, std::clamp<std::int64_t>(sx, -u, u)) << i;
    ASSERT_EQ(got.y, std::clamp<std::int64_t>(sy, -u, u)) << i;
  }
}

TEST(contacts, crowds_spread_out_and_never_enter_obstacles) {
  world_config c;
  c.seed = 3;
  c.half_size = 60 * u;
  c.cell_size = 8 * u;
  c.aoi_radius = 10 * u;
  c.obstacles = {aabb{{-20 * u, -20 * u}, {-10 * u, 20 * u}}, aabb{{5 * u, 5 * u}, {15 * u, 9 * u}}};
  std::vector<spawn> s;
  for (int i = 0; i < 50; ++i) s.push_back({i < 10, {0, 0}, {}});  // all on one spot
  world w(c, s);
  for (int t = 0; t < 60; ++t) w.step({});
  for (std::uint32_t i = 0; i < 50; ++i) {
    for (std::uint32_t j = i + 1; j < 50; ++j) ASSERT_NE(w.position(i), w.position(j));
  }
  world moving(c, population{.entities = 800, .players = 100});
  for (int t = 0; t < 200; ++t) {
    moving.step({});
    for (std::uint32_t e = 0; e < 800; ++e) {
      const vec2 p = moving.position(e);
      for (const aabb& b : c.obstacles) {
        ASSERT_FALSE(p.x >= b.min.x && p.x <= b.max.x && p.y >= b.min.y && p.y <= b.max.y)
            << "entity " << e << " inside an obstacle at tick " << t;
      }
      ASSERT_LE(abs32(p.x), c.half_size);
      ASSERT_LE(abs32(p.y), c.half_size);
    }
  }
}

TEST(npcs, wander_is_a_function_of_the_seed) {
  world_config c;
  c.seed = 77;
  c.half_size = 300 * u;
  world a(c, population{.entities = 500, .players = 0});
  world b(c, population{.entities = 500, .players = 0});
  c.seed = 78;
  world other(c, population{.entities = 500, .players = 0});
  std::uint64_t turned = 0;
  for (int t = 0; t < 100; ++t) {
    const vec2 before = a.velocity(1);
    a.step({});
    b.step({});
    other.step({});
    ASSERT_EQ(a.hash(), b.hash());
    ASSERT_NE(a.hash(), other.hash());
    if (a.velocity(1) != before) ++turned;
    ASSERT_LE(distance2({}, a.velocity(1)), std::int64_t{c.max_speed} * c.max_speed);
  }
  EXPECT_GE(turned, 2u);
}

}  // namespace
}  // namespace metronome::world

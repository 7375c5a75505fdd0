// Join and leave: ids, validation, views, and determinism across shard counts.
#include <gtest/gtest.h>

#include <random>

#include "metronome/world/runner/thread_executor.hpp"
#include "metronome/world/world.hpp"
#include "world_test_support.hpp"

namespace metronome::world {
namespace {

using testing::u;

world_config plain_config() {
  world_config c;
  c.seed = 7;
  c.half_size = 200 * u;
  c.entity_radius = 0;
  c.aoi_radius = 20 * u;
  c.aoi_margin = 2 * u;
  c.aoi_skin = 4 * u;
  return c;
}

/// Players 0 and 1 side by side, NPC 2 far away; all at rest.
world three() {
  const std::vector<spawn> s{{true, {0, 0}, {}}, {true, {5 * u, 0}, {}}, {false, {150 * u, 150 * u}, {}}};
  return world(plain_config(), s);
}

command join(std::uint64_t tick, std::uint64_t seq, std::string key, vec2 at) {
  return {.tick = tick, .player = system_sender, .sequence = seq, .kind = command_kind::join, .a = at.x, .b = at.y, .text = std::move(key)};
}

command leave(std::uint64_t tick, std::uint64_t seq, std::uint32_t entity) {
  return {.tick = tick, .player = system_sender, .sequence = seq, .entity = entity, .kind = command_kind::leave};
}

TEST(join, spawns_a_player_at_rest_with_the_next_id_in_command_order) {
  world w = three();
  // Given out of order: applied by sequence, so "b" (seq 1) gets 3 and "a" (seq 2) gets 4.
  const std::vector<command> c{join(1, 2, "a", {10 * u, 0}), join(1, 1, "b", {-10 * u, 0})};
  const step_report& r = w.step(c);
  ASSERT_TRUE(r.rejections.empty());
  ASSERT_EQ(r.joined.size(), 2u);
  EXPECT_EQ(r.joined[0].key, "b");
  EXPECT_EQ(r.joined[0].entity, 3u);
  EXPECT_EQ(r.joined[0].sequence, 1u);
  EXPECT_EQ(r.joined[1].key, "a");
  EXPECT_EQ(r.joined[1].entity, 4u);
  EXPECT_EQ(w.entity_count(), 5u);
  EXPECT_EQ(w.live_count(), 5u);
  EXPECT_EQ(w.kind(4), entity_kind::player);
  EXPECT_EQ(w.owner(4), 4u);
  EXPECT_EQ(w.position(4), (vec2{10 * u, 0}));
  EXPECT_EQ(w.velocity(4), (vec2{}));
  EXPECT_EQ(w.key(4), "a");
  EXPECT_EQ(w.find("a"), 4u);
  EXPECT_EQ(w.find("zzz"), std::nullopt);
  // The new players see their neighbours at once, and are seen by them.
  EXPECT_EQ(w.visible(4), (std::vector<std::uint32_t>{0, 1, 3}));
  const auto in0 = w.entered(0);
  EXPECT_EQ(std::vector<std::uint32_t>(in0.begin(), in0.end()), (std::vector<std::uint32_t>{1, 3, 4}));
  // The joined player's own commands are accepted from the next tick, sequences from 1.
  const std::vector<command> go{{.tick = 2, .player = 4, .sequence = 1, .entity = 4, .kind = command_kind::set_velocity, .a = 10, .b = 0}};
  EXPECT_TRUE(w.step(go).rejections.empty());
  EXPECT_EQ(w.position(4), (vec2{10 * u + 10, 0}));
}

TEST(leave, removes_the_entity_from_every_view_with_a_left_event) {
  world w = three();
  w.step({});
  ASSERT_EQ(w.visible(0), (std::vector<std::uint32_t>{1}));
  const std::vector<command> c{leave(2, 1, 1)};
  const step_report& r = w.step(c);
  ASSERT_TRUE(r.rejections.empty());
  EXPECT_EQ(r.departed, (std::vector<std::uint32_t>{1}));
  EXPECT_FALSE(w.alive(1));
  EXPECT_EQ(w.live_count(), 2u);
  EXPECT_EQ(w.entity_count(), 3u);
  EXPECT_TRUE(w.visible(0).empty());
  const auto out = w.left(0);
  EXPECT_EQ(std::vector<std::uint32_t>(out.begin(), out.end()), (std::vector<std::uint32_t>{1}));
  // A departed player's commands are refused; so is a second leave.
  const std::vector<command> late{{.tick = 3, .player = 1, .sequence = 5, .entity = 1, .kind = command_kind::stop}, leave(3, 2, 1)};
  const step_report& r3 = w.step(late);
  ASSERT_EQ(r3.rejections.size(), 2u);
  EXPECT_EQ(r3.rejections[0].reason, reject_reason::unknown_player);
  EXPECT_EQ(r3.rejections[1].reason, reject_reason::unknown_entity);
}

TEST(leave, freed_id_is_reused_lowest_first_from_the_next_tick_only) {
  world w = three();
  w.step({});
  // Tick 2: leave 1, and a join in the same tick takes a new id (3), not 1.
  const std::vector<command> t2{leave(2, 1, 1), join(2, 2, "x", {0, 5 * u})};
  const step_report& r2 = w.step(t2);
  ASSERT_EQ(r2.joined.size(), 1u);
  EXPECT_EQ(r2.joined[0].entity, 3u);
  // Tick 3: leave 0; tick 4: two joins take 0 then 1 (lowest first), then a new id.
  const std::vector<command> t3{leave(3, 3, 0)};
  w.step(t3);
  const std::vector<command> t4{join(4, 4, "y", {-5 * u, 0}), join(4, 5, "z", {5 * u, 0}), join(4, 6, "w", {0, -5 * u})};
  const step_report& r4 = w.step(t4);
  ASSERT_EQ(r4.joined.size(), 3u);
  EXPECT_EQ(r4.joined[0].entity, 0u);
  EXPECT_EQ(r4.joined[1].entity, 1u);
  EXPECT_EQ(r4.joined[2].entity, 4u);
  EXPECT_EQ(w.key(0), "y");
  EXPECT_EQ(w.key(1), "z");
  // The reused ids are new players: "x" (3) sees them enter, at their new places.
  const auto in3 = w.entered(3);
  EXPECT_EQ(std::vector<std::uint32_t>(in3.begin(), in3.end()), (std::vector<std::uint32_t>{0, 1, 4}));
  EXPECT_EQ(w.position(1), (vec2{5 * u, 0}));
}

TEST(join, each_rule_rejects_and_is_counted) {
  world w = three();
  const std::int32_t lim = w.config().half_size - w.config().entity_radius;
  struct case_t {
    command cmd;
    reject_reason want;
  };
  command from_player = join(1, 1, "k", {0, 0});
  from_player.player = 0;
  command leave_from_player = leave(1, 1, 1);
  leave_from_player.player = 1;
  const std::vector<case_t> cases{
      {join(2, 1, "k", {0, 0}), reject_reason::wrong_tick},
      {from_player, reject_reason::not_system},
      {leave_from_player, reject_reason::not_system},
      {join(1, 1, "", {0, 0}), reject_reason::bad_key},
      {join(1, 1, std::string(max_key_bytes + 1, 'k'), {0, 0}), reject_reason::bad_key},
      {join(1, 1, "a\tb", {0, 0}), reject_reason::bad_key},
      {join(1, 1, "k", {lim + 1, 0}), reject_reason::outside_world},
      {join(1, 1, "k", {0, -lim - 1}), reject_reason::outside_world},
      {leave(1, 1, 2), reject_reason::unknown_entity},  // an NPC
      {leave(1, 1, 99), reject_reason::unknown_entity},
  };
  for (const case_t& k : cases) {
    world fresh = three();
    const std::vector<command> one{k.cmd};
    const step_report& r = fresh.step(one);
    ASSERT_EQ(r.rejections.size(), 1u) << reason_name(k.want);
    EXPECT_EQ(r.rejections[0].reason, k.want);
    EXPECT_EQ(r.rejections[0].player, k.cmd.player);
    EXPECT_TRUE(r.joined.empty());
    EXPECT_TRUE(r.departed.empty());
    EXPECT_EQ(fresh.rejections()[static_cast<std::size_t>(k.want)], 1u);
    world plain = three();
    plain.step({});
    EXPECT_EQ(fresh.hash(), plain.hash()) << reason_name(k.want);  // a refused command changes nothing
  }
  // A key names one live entity: a second join with it is refused, in the same tick or later,
  // and accepted again once the first has left.
  const std::vector<command> twice{join(1, 1, "k", {0, 0}), join(1, 2, "k", {u, 0})};
  const step_report& r1 = w.step(twice);
  ASSERT_EQ(r1.rejections.size(), 1u);
  EXPECT_EQ(r1.rejections[0].reason, reject_reason::duplicate_key);
  EXPECT_EQ(r1.rejections[0].sequence, 2u);
  const std::vector<command> again{join(2, 3, "k", {0, 0})};
  EXPECT_EQ(w.step(again).rejections.at(0).reason, reject_reason::duplicate_key);
  const std::vector<command> swap{leave(3, 4, *w.find("k")), join(3, 5, "k", {u, u})};
  const step_report& r3 = w.step(swap);
  EXPECT_TRUE(r3.rejections.empty());
  EXPECT_EQ(w.position(*w.find("k")), (vec2{u, u}));
}

TEST(join, hash_covers_keys_and_free_ids) {
  world a = three(), b = three();
  const std::vector<command> ja{join(1, 1, "alice", {0, 0})}, jb{join(1, 1, "alicf", {0, 0})};
  a.step(ja);
  b.step(jb);
  EXPECT_NE(a.hash(), b.hash());
  world c = three(), d = three();
  const std::vector<command> lc{leave(1, 1, 1)};
  c.step(lc);
  d.step({});
  EXPECT_NE(c.hash(), d.hash());
}

/// Random joins, leaves and walks; checked against brute force every tick and
/// traced (hash and every player's events) for comparison across shard counts.
std::vector<std::uint64_t> churn(world_config c, int ticks, executor& ex, bool brute) {
  world w(c, population{.entities = 300, .players = 60});
  testing::brute_force_aoi bf(w);
  std::mt19937_64 rng(c.seed);
  std::vector<std::uint64_t> out;
  std::uint64_t sys = 0, seq = 0, name = 0;
  const std::int32_t lim = c.half_size - c.entity_radius;
  for (int t = 0; t < ticks; ++t) {
    const std::uint64_t tick = w.tick() + 1;
    ++seq;
    std::vector<command> cmds;
    for (std::uint32_t p = 0; p < w.entity_count(); ++p) {
      if (!w.alive(p) || w.kind(p) != entity_kind::player) continue;
      const auto r = rng() % 10;
      if (r == 0) {
        cmds.push_back(leave(tick, ++sys, p));
      } else if (r < 4) {
        const auto vx = static_cast<std::int32_t>(rng() % 141) - 70;
        cmds.push_back({.tick = tick, .player = p, .sequence = seq, .entity = p, .kind = command_kind::set_velocity, .a = vx, .b = 0});
      }
    }
    for (auto j = rng() % 8; j > 0; --j) {
      const auto x = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(2 * lim + 1)) - lim;
      const auto y = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(2 * lim + 1)) - lim;
      cmds.push_back(join(tick, ++sys, "p" + std::to_string(++name), {x, y}));
    }
    std::shuffle(cmds.begin(), cmds.end(), rng);  // arrival order must not matter
    const step_report& r = w.step(cmds, ex);
    EXPECT_TRUE(r.rejections.empty());
    out.push_back(w.hash());
    for (const auto& j : r.joined) out.push_back(j.entity);
    for (std::uint32_t p = 0; p < w.entity_count(); ++p) {
      if (!w.alive(p) || w.kind(p) != entity_kind::player) continue;
      for (auto e : w.entered(p)) out.push_back((std::uint64_t{p} << 32) | e);
      for (auto e : w.left(p)) out.push_back((std::uint64_t{p} << 32) | e | 0x80000000u);
    }
    std::string why;
    if (brute && !bf.check(w, why)) {
      ADD_FAILURE() << why;
      break;
    }
  }
  return out;
}

world_config churn_config() {
  world_config c;
  c.seed = 5;
  c.half_size = 60 * u;
  c.cell_size = 4 * u;
  c.aoi_radius = 10 * u;
  c.aoi_margin = u;
  c.aoi_skin = 2 * u;
  c.npc_turn_ticks = 5;
  return c;
}

TEST(join, churn_matches_brute_force) {
  serial_executor serial;
  const auto trace = churn(churn_config(), 120, serial, true);
  EXPECT_GT(trace.size(), 120u);
}

TEST(join, churn_same_hash_and_events_for_1_2_4_8_shards) {
  serial_executor serial;
  world_config c = churn_config();
  const auto one = churn(c, 80, serial, false);
  for (std::uint32_t k : {2u, 4u, 8u}) {
    c.shards = k;
    EXPECT_EQ(churn(c, 80, serial, false), one) << k << " shards, serial";
    runner::thread_executor threads(k);
    EXPECT_EQ(churn(c, 80, threads, false), one) << k << " shards, " << k << " threads";
  }
}

}  // namespace
}  // namespace metronome::world

#include <gtest/gtest.h>

#include <random>

#include "metronome/world/world.hpp"
#include "world_test_support.hpp"

namespace metronome::world {
namespace {

using testing::u;

world_config small_config() {
  world_config c;
  c.seed = 42;
  c.half_size = 200 * u;
  c.entity_radius = 0;
  return c;
}

/// Players 0, 1, 2 and NPC 3, standing still.
world small_world() {
  const std::vector<spawn> s{{true, {0, 0}, {}}, {true, {10 * u, 0}, {}}, {true, {0, 10 * u}, {}}, {false, {-10 * u, 0}, {}}};
  return world(small_config(), s);
}

command velocity(std::uint64_t tick, std::uint32_t player, std::uint64_t seq, std::int32_t vx, std::int32_t vy) {
  return {.tick = tick, .player = player, .sequence = seq, .entity = player, .kind = command_kind::set_velocity, .a = vx, .b = vy};
}

reject_reason only_rejection(const step_report& r) {
  EXPECT_EQ(r.rejections.size(), 1u);
  return r.rejections.empty() ? reject_reason::wrong_tick : r.rejections[0].reason;
}

TEST(commands, accepted_velocity_moves_the_entity) {
  world w = small_world();
  const std::vector<command> c{velocity(1, 0, 1, 50, -20)};
  EXPECT_TRUE(w.step(c).rejections.empty());
  EXPECT_EQ(w.position(0), (vec2{50, -20}));
  w.step({});
  EXPECT_EQ(w.position(0), (vec2{100, -40}));
}

TEST(commands, each_rule_rejects_and_is_counted) {
  world w = small_world();
  const std::int32_t max = w.config().max_speed;
  const std::int32_t half = w.config().half_size;
  struct case_t {
    command cmd;
    reject_reason want;
  };
  const std::vector<case_t> cases{
      {velocity(5, 0, 1, 1, 1), reject_reason::wrong_tick},
      {velocity(1, 3, 1, 1, 1), reject_reason::unknown_player},  // an NPC sends
      {velocity(1, 99, 1, 1, 1), reject_reason::unknown_player},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 99, .kind = command_kind::stop}, reject_reason::unknown_entity},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 1, .kind = command_kind::stop}, reject_reason::not_owner},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 3, .kind = command_kind::stop}, reject_reason::not_owner},
      {velocity(1, 0, 0, 1, 1), reject_reason::stale_sequence},
      {velocity(1, 0, 1, max + 1, 0), reject_reason::too_fast},
      {velocity(1, 0, 1, 55, 55), reject_reason::too_fast},  // 55^2 + 55^2 > 76^2
      {velocity(1, 0, 1, std::numeric_limits<std::int32_t>::min(), 0), reject_reason::too_fast},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 0, .kind = command_kind::move_to, .a = 0, .b = 0, .c = 0},
       reject_reason::too_fast},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 0, .kind = command_kind::move_to, .a = 0, .b = 0, .c = max + 1},
       reject_reason::too_fast},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 0, .kind = command_kind::move_to, .a = half + 1, .b = 0, .c = 5},
       reject_reason::outside_world},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 0, .kind = command_kind::move_to, .a = 0, .b = -half - 1, .c = 5},
       reject_reason::outside_world},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 0, .kind = command_kind::emote, .text = ""}, reject_reason::bad_emote},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 0, .kind = command_kind::emote, .text = std::string(65, 'a')},
       reject_reason::bad_emote},
      {{.tick = 1, .player = 0, .sequence = 1, .entity = 0, .kind = command_kind::emote, .text = "hi\nthere"}, reject_reason::bad_emote},
  };
  const std::uint64_t untouched = small_world().hash();
  rejection_counts want{};
  for (const case_t& k : cases) {
    world fresh = small_world();
    const std::vector<command> one{k.cmd};
    EXPECT_EQ(only_rejection(fresh.step(one)), k.want) << reason_name(k.want);
    // A rejected command changes nothing: the same as a tick without it.
    world plain = small_world();
    plain.step({});
    EXPECT_EQ(fresh.hash(), plain.hash()) << reason_name(k.want);
    EXPECT_EQ(fresh.rejections()[static_cast<std::size_t>(k.want)], 1u);
    ++want[static_cast<std::size_t>(k.want)];
  }
  std::vector<command> all;
  for (const case_t& k : cases) all.push_back(k.cmd);
  const auto& report = w.step(all);
  EXPECT_EQ(report.rejections.size(), cases.size());
  EXPECT_EQ(w.rejections(), want);
  world plain = small_world();
  plain.step({});
  EXPECT_EQ(w.hash(), plain.hash());
  EXPECT_NE(untouched, 0u);
}

TEST(commands, sequence_numbers_must_grow) {
  world w = small_world();
  EXPECT_TRUE(w.step(std::vector{velocity(1, 0, 5, 1, 0)}).rejections.empty());
  EXPECT_EQ(only_rejection(w.step(std::vector{velocity(2, 0, 5, 2, 0)})), reject_reason::stale_sequence);
  EXPECT_EQ(only_rejection(w.step(std::vector{velocity(3, 0, 4, 2, 0)})), reject_reason::stale_sequence);
  EXPECT_EQ(w.velocity(0), (vec2{1, 0}));
  // Repeated within one tick: the first applies, the copy is refused.
  const auto& r = w.step(std::vector{velocity(4, 0, 9, 3, 0), velocity(4, 0, 9, 3, 0)});
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].reason, reject_reason::stale_sequence);
  EXPECT_EQ(w.velocity(0), (vec2{3, 0}));
  // Sequences are per player.
  EXPECT_TRUE(w.step(std::vector{velocity(5, 1, 1, 1, 0)}).rejections.empty());
}

TEST(commands, at_most_max_per_player_per_tick) {
  world w = small_world();
  const std::uint32_t max = w.config().max_commands_per_tick;
  std::vector<command> burst;
  for (std::uint32_t i = 1; i <= max + 2; ++i) burst.push_back(velocity(1, 0, i, static_cast<std::int32_t>(i), 0));
  burst.push_back(velocity(1, 1, 1, 7, 0));  // another player is not limited by player 0
  const auto& r = w.step(burst);
  ASSERT_EQ(r.rejections.size(), 2u);
  EXPECT_EQ(r.rejections[0].reason, reject_reason::too_many);
  EXPECT_EQ(r.rejections[0].sequence, max + 1);
  EXPECT_EQ(w.velocity(0), (vec2{static_cast<std::int32_t>(max), 0}));
  EXPECT_EQ(w.velocity(1), (vec2{7, 0}));
  EXPECT_TRUE(w.step(std::vector{velocity(2, 0, max + 3, 1, 0)}).rejections.empty());  // a new tick, a new budget
}

TEST(commands, move_to_walks_at_its_speed_and_stops_there) {
  world w = small_world();
  const command go{.tick = 1, .player = 2, .sequence = 1, .entity = 2, .kind = command_kind::move_to, .a = 30 * u, .b = 10 * u, .c = 64};
  w.step(std::vector{go});
  for (int i = 0; i < 200 && w.position(2) != vec2{30 * u, 10 * u}; ++i) {
    const vec2 before = w.position(2);
    w.step({});
    ASSERT_LE(distance2(before, w.position(2)), 64 * 64);
  }
  EXPECT_EQ(w.position(2), (vec2{30 * u, 10 * u}));
  w.step({});
  EXPECT_EQ(w.position(2), (vec2{30 * u, 10 * u}));
  EXPECT_EQ(w.velocity(2), (vec2{}));
}

TEST(commands, emotes_are_reported_in_command_order) {
  world w = small_world();
  const command a{.tick = 1, .player = 1, .sequence = 3, .entity = 1, .kind = command_kind::emote, .text = "b"};
  const command b{.tick = 1, .player = 0, .sequence = 8, .entity = 0, .kind = command_kind::emote, .text = "a"};
  const auto& r = w.step(std::vector{a, b});
  ASSERT_EQ(r.emotes.size(), 2u);
  EXPECT_EQ(r.emotes[0].entity, 0u);
  EXPECT_EQ(r.emotes[1].text, "b");
}

// The property: the order in which commands arrive never matters.
TEST(commands, any_arrival_order_gives_the_same_world) {
  std::mt19937_64 rng(1234);
  world_config c = small_config();
  c.entity_radius = u / 2;
  for (int round = 0; round < 20; ++round) {
    std::vector<std::vector<command>> log(6);
    for (std::uint64_t tick = 1; tick <= 6; ++tick) {
      for (int i = 0; i < 40; ++i) {
        const auto player = static_cast<std::uint32_t>(rng() % 5);  // includes an NPC and an unknown id
        const auto seq = 1 + rng() % 12;
        const auto vx = static_cast<std::int32_t>(rng() % 181) - 90, vy = static_cast<std::int32_t>(rng() % 121) - 60;
        command cmd = velocity(rng() % 9 == 0 ? tick + 1 : tick, player, seq, vx, vy);
        if (rng() % 5 == 0) cmd.kind = command_kind::stop;
        if (rng() % 7 == 0) cmd.entity = static_cast<std::uint32_t>(rng() % 4);
        log[tick - 1].push_back(cmd);
      }
    }
    auto run = [&](bool shuffle) {
      const std::vector<spawn> s{{true, {0, 0}, {}}, {true, {u, 0}, {}}, {true, {0, u}, {}}, {false, {-u, 0}, {}}};
      world w(c, s);
      std::vector<std::string> trace;
      for (auto cmds : log) {
        if (shuffle) std::shuffle(cmds.begin(), cmds.end(), rng);
        const auto& r = w.step(cmds);
        for (const rejection& x : r.rejections) {
          trace.push_back(std::to_string(x.player) + ":" + std::to_string(x.sequence) + ":" + std::string(reason_name(x.reason)));
        }
        trace.push_back(std::to_string(w.hash()));
      }
      return trace;
    };
    const auto sorted = run(false);
    for (int k = 0; k < 5; ++k) ASSERT_EQ(run(true), sorted) << "round " << round;
  }
}

}  // namespace
}  // namespace metronome::world

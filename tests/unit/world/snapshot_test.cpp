// world::save / world::restore: a restored world has the same future as the
// one saved, and a damaged snapshot is refused with an error, never UB.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

#include "metronome/world/snapshot.hpp"
#include "metronome/world/world.hpp"
#include "world_test_support.hpp"

namespace metronome::world {
namespace {

using testing::u;

world_config small_config(std::uint32_t shards) {
  world_config c;
  c.seed = 4242;
  c.half_size = 60 * u;
  c.cell_size = 4 * u;
  c.aoi_radius = 10 * u;
  c.aoi_margin = u;
  c.aoi_skin = 3 * u;
  c.npc_turn_ticks = 7;
  c.shards = shards;
  c.obstacles.push_back({{-5 * u, -5 * u}, {5 * u, 2 * u}});
  return c;
}

/// A tick's worth of commands of every kind, some of them invalid (stale,
/// too fast, not owned, bad emote, wrong tick), from a seeded generator.
std::vector<command> commands_for(std::mt19937_64& rng, std::uint64_t tick, std::uint32_t players, std::uint32_t entities,
                                  std::vector<std::uint64_t>& seq) {
  std::vector<command> out;
  for (std::uint32_t p = 0; p < players; ++p) {
    if (rng() % 3 != 0) continue;
    command c{.tick = tick, .player = p, .sequence = ++seq[p], .entity = p};
    const auto roll = rng() % 10;
    const std::int32_t max = small_config(1).max_speed;
    if (roll < 4) {
      c.kind = command_kind::set_velocity;
      c.a = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(2 * max)) - max / 2;
      c.b = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(max)) - max / 2;
    } else if (roll < 6) {
      c.kind = command_kind::move_to;
      c.a = static_cast<std::int32_t>(rng() % (100 * u)) - 50 * u;
      c.b = static_cast<std::int32_t>(rng() % (100 * u)) - 50 * u;
      c.c = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(max)) + 1;
    } else if (roll < 7) {
      c.kind = command_kind::stop;
    } else if (roll < 8) {
      c.kind = command_kind::emote;
      c.text = rng() % 2 ? "hi" : "bad\n";
    } else if (roll < 9) {
      c.kind = command_kind::stop;
      c.entity = static_cast<std::uint32_t>(rng() % entities);  // usually not owned
    } else {
      c.sequence = seq[p] - 1;  // stale
      c.tick = rng() % 2 ? tick : tick + 1;
    }
    out.push_back(std::move(c));
  }
  // Churn: a join or two and a leave of some id (rejected unless a live player).
  for (std::uint64_t j = rng() % 3; j > 0; --j) {
    out.push_back({.tick = tick,
                   .player = system_sender,
                   .sequence = j,
                   .kind = command_kind::join,
                   .a = static_cast<std::int32_t>(rng() % (80 * u)) - 40 * u,
                   .b = static_cast<std::int32_t>(rng() % (80 * u)) - 40 * u,
                   .text = "k" + std::to_string(tick) + "." + std::to_string(j)});
  }
  if (rng() % 2 == 0) {
    out.push_back({.tick = tick,
                   .player = system_sender,
                   .sequence = 9,
                   .entity = static_cast<std::uint32_t>(rng() % (entities + 40)),
                   .kind = command_kind::leave});
  }
  return out;
}

void expect_same(const world& a, const world& b, const std::string& where) {
  ASSERT_EQ(a.tick(), b.tick()) << where;
  ASSERT_EQ(a.entity_count(), b.entity_count()) << where;
  ASSERT_EQ(a.live_count(), b.live_count()) << where;
  ASSERT_EQ(a.hash(), b.hash()) << where;
  ASSERT_EQ(a.rejections(), b.rejections()) << where;
  for (std::uint32_t p = 0; p < a.entity_count(); ++p) {
    ASSERT_EQ(a.moved(p), b.moved(p)) << where << " entity " << p;
    ASSERT_EQ(a.alive(p), b.alive(p)) << where << " entity " << p;
    ASSERT_EQ(a.key(p), b.key(p)) << where << " entity " << p;
    if (!a.key(p).empty()) {
      ASSERT_EQ(b.find(a.key(p)), p) << where;
    }
    if (a.kind(p) != entity_kind::player) continue;
    ASSERT_EQ(a.visible(p), b.visible(p)) << where << " player " << p;
    ASSERT_EQ(a.visible_count(p), b.visible_count(p)) << where << " player " << p;
    const auto ea = a.entered(p), eb = b.entered(p), la = a.left(p), lb = b.left(p);
    ASSERT_TRUE(std::equal(ea.begin(), ea.end(), eb.begin(), eb.end())) << where << " entered of " << p;
    ASSERT_TRUE(std::equal(la.begin(), la.end(), lb.begin(), lb.end())) << where << " left of " << p;
  }
}

TEST(snapshot, restored_world_has_the_same_future_for_1_2_3_shards) {
  const population pop{.entities = 900, .players = 150};
  constexpr std::uint64_t ticks = 120;
  for (const std::uint32_t shards : {1u, 2u, 3u}) {
    for (const std::uint64_t k : {0ull, 1ull, 37ull, 80ull}) {
      world original(small_config(shards), pop);
      std::mt19937_64 rng(shards * 1000 + k);
      std::vector<std::uint64_t> seq(pop.players, 0);
      std::vector<std::vector<command>> script;
      for (std::uint64_t t = 1; t <= ticks; ++t) script.push_back(commands_for(rng, t, pop.players, pop.entities, seq));
      for (std::uint64_t t = 1; t <= k; ++t) original.step(script[t - 1]);
      const std::string bytes = original.save();
      world restored = world::restore(bytes);
      ASSERT_EQ(restored.save(), bytes) << "save(restore(s)) == s";
      const std::string where = std::to_string(shards) + " shards, snapshot at " + std::to_string(k);
      expect_same(original, restored, where);
      std::uint64_t rejected = 0, joined = 0, departed = 0;
      for (std::uint64_t t = k + 1; t <= ticks; ++t) {
        const auto& ra = original.step(script[t - 1]);
        const auto& rb = restored.step(script[t - 1]);
        rejected += ra.rejections.size();
        ASSERT_EQ(ra.rejections.size(), rb.rejections.size()) << where << " tick " << t;
        ASSERT_EQ(ra.emotes.size(), rb.emotes.size()) << where << " tick " << t;
        ASSERT_EQ(ra.departed, rb.departed) << where << " tick " << t;
        ASSERT_EQ(ra.joined.size(), rb.joined.size()) << where << " tick " << t;
        joined += ra.joined.size();
        departed += ra.departed.size();
        expect_same(original, restored, where + " tick " + std::to_string(t));
      }
      if (k < 80) {
        EXPECT_GT(rejected, 0u) << "the script exercises rejections";
        EXPECT_GT(joined, 0u) << "and joins";
        EXPECT_GT(departed, 0u) << "and leaves";
      }
    }
  }
}

TEST(snapshot, hand_placed_world_round_trips) {
  std::vector<spawn> spawns{{true, {0, 0}, {10, 0}}, {false, {3 * u, 0}, {0, 5}}, {true, {-20 * u, 7 * u}, {}}};
  world w(small_config(1), spawns);
  for (int t = 0; t < 5; ++t) w.step({});
  world r = world::restore(w.save());
  expect_same(w, r, "hand placed");
  EXPECT_EQ(r.owner(2), 2u);
  EXPECT_EQ(r.owner(1), no_owner);
}

std::string message_of(std::string_view bytes) {
  try {
    (void)world::restore(bytes);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(snapshot, every_truncation_is_refused) {
  world w(small_config(2), population{.entities = 40, .players = 10});
  for (int t = 0; t < 10; ++t) w.step({});
  const std::string bytes = w.save();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_NE(message_of(std::string_view(bytes).substr(0, n)), "") << "prefix of " << n << " bytes";
  }
  EXPECT_NE(message_of(bytes + '\0').find("after the end"), std::string::npos);
}

TEST(snapshot, damaged_fields_are_named) {
  world w(small_config(1), population{.entities = 20, .players = 5});
  w.step({});
  std::string bytes = w.save();
  std::string bad = bytes;
  bad[0] = 'X';
  EXPECT_NE(message_of(bad).find("bad magic"), std::string::npos);
  bad = bytes;
  bad[8] = 9;
  EXPECT_NE(message_of(bad).find("version 9"), std::string::npos);
  bad = bytes;
  bad[12 + 8] = 0;  // half_size's low byte: the config no longer validates (or the cells move)
  bad[12 + 9] = 0;
  bad[12 + 10] = 0;
  bad[12 + 11] = 0;
  EXPECT_NE(message_of(bad).find("config: half_size"), std::string::npos) << message_of(bad);
  // Flip every byte in turn: either refused with a message or decoded into a
  // world that can step (never a crash; ASan/UBSan builds check the rest).
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    try {
      world r = world::restore(bad);
      r.step({});
    } catch (const std::invalid_argument&) {}
  }
}

TEST(snapshot, config_bytes_tell_configs_apart) {
  world_config a = small_config(1), b = small_config(1);
  EXPECT_EQ(config_bytes(a), config_bytes(b));
  b.obstacles.clear();
  EXPECT_NE(config_bytes(a), config_bytes(b));
  b = a;
  b.seed += 1;
  EXPECT_NE(config_bytes(a), config_bytes(b));
}

}  // namespace
}  // namespace metronome::world

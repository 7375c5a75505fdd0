// The bots' brute-force check (apps/metronome-load/world_check.hpp) and the
// bot that feeds it (world_bot.hpp): a view with an entity missing, an extra
// one and a displaced one is three failures; views built by the real
// gateway stream under a tight budget agree with the world tick after tick.
#include <gtest/gtest.h>

#include <map>

#include "metronome/gateway/client_stream.hpp"
#include "world_bot.hpp"
#include "world_check.hpp"

namespace metronome::load {
namespace {

using world_check::compare;
using world_check::truth;
using world_check::view_snapshot;
namespace wire = gateway::wire;

constexpr std::int32_t u = world::units_per_world_unit;

truth small_truth() {
  truth t;
  t.tick = 100;
  t.radius = 10 * u;
  t.margin = 1 * u;
  t.max_speed = 76;
  t.entity_radius = 128;
  return t;
}

view_snapshot::seen seen_at(std::uint32_t id, std::int32_t x, std::int32_t y, std::uint64_t at) {
  return {id, {wire::quantize(x), wire::quantize(y)}, at};
}

TEST(world_check, missing_extra_and_displaced_are_three_failures) {
  truth t = small_truth();
  // 0: the bot. 1: near, seen right. 2: near, missing. 3: in the band, not
  // seen (fine). 4: in the band, seen (fine). 5: beyond radius + margin, seen.
  // 6: near, seen 2 ticks stale within the allowance. 7: near, displaced.
  t.entities = {{0, 0, 0},      {1, 3 * u, 0},  {2, 0, 4 * u},    {3, 10 * u + 100, 0}, {4, 0, -10 * u - 100},
                {5, 12 * u, 0}, {6, -5 * u, 0}, {7, 2 * u, 2 * u}};
  view_snapshot v;
  v.tick = 100;
  v.self = 0;
  const std::int64_t two_ticks = world_check::allowed_error(t, 2) - 4;  // what 2 ticks of deferral may move
  v.entities = {seen_at(0, 0, 0, 100),
                seen_at(1, 3 * u, 0, 100),
                seen_at(4, 0, -10 * u - 100, 99),
                seen_at(5, 12 * u, 0, 100),
                seen_at(6, -5 * u + static_cast<std::int32_t>(two_ticks), 0, 98),
                seen_at(7, 2 * u + 40, 2 * u, 100)};
  const auto m = compare(t, v);
  ASSERT_EQ(m.size(), 3U);
  std::map<std::uint32_t, std::string> by_id;
  for (const auto& x : m) by_id[x.entity] = x.why;
  ASSERT_TRUE(by_id.contains(2) && by_id.contains(5) && by_id.contains(7));
  EXPECT_EQ(by_id[2].rfind("missing", 0), 0U) << by_id[2];
  EXPECT_EQ(by_id[5].rfind("extra", 0), 0U) << by_id[5];
  EXPECT_EQ(by_id[7].rfind("displaced", 0), 0U) << by_id[7];
}

TEST(world_check, staleness_is_what_buys_an_error_and_unknown_ids_are_extra) {
  truth t = small_truth();
  t.entities = {{0, 0, 0}, {1, u, 0}};
  view_snapshot v;
  v.tick = 100;
  v.self = 0;
  const auto off = static_cast<std::int32_t>(world_check::step_bound(t));
  v.entities = {seen_at(0, 0, 0, 100), seen_at(1, u + off, 0, 99), seen_at(9, 0, 0, 100)};
  auto m = compare(t, v);
  ASSERT_EQ(m.size(), 1U);  // one tick stale: within 4 + step_bound
  EXPECT_EQ(m[0].entity, 9U);
  v.entities[1].at = 100;  // the same error, claimed fresh
  m = compare(t, v);
  EXPECT_EQ(m.size(), 2U);
  t.entities.erase(t.entities.begin());  // the bot's own entity gone from the world
  m = compare(t, v);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].entity, 0U);
}

TEST(world_check, parses_the_endpoint_and_refuses_the_rest) {
  std::string error;
  const auto t =
      world_check::parse_truth(R"({"tick":42,"half":256000,"radius":25600,"margin":1280,"maxSpeed":76,"entityRadius":128,"obstacles":0,)"
                               R"("entities":[[0,1,-55547,-50641],[3,0,7,-8]]})",
                               error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->tick, 42U);
  EXPECT_EQ(t->radius, 25600);
  ASSERT_EQ(t->entities.size(), 2U);
  EXPECT_EQ(t->find(3)->y, -8);
  EXPECT_EQ(t->find(2), nullptr);
  const char* bad[] = {
      "",
      "[]",
      R"({"tick":1})",
      R"({"tick":-1,"radius":1,"margin":1,"maxSpeed":1,"entityRadius":1,"obstacles":0,"entities":[]})",
      R"({"tick":1,"radius":1,"margin":1,"maxSpeed":1,"entityRadius":1,"obstacles":0,"entities":[[2,0,0,0],[1,0,0,0]]})",
      R"({"tick":1,"radius":1,"margin":1,"maxSpeed":1,"entityRadius":1,"obstacles":0,"entities":[[1,0,0]]})",
      R"({"tick":1,"radius":1,"margin":1,"maxSpeed":1,"entityRadius":1,"obstacles":0,"entities":[[1,0,0,4294967296]]})",
      R"({"tick":1,"radius":1,"margin":1,"maxSpeed":1,"entityRadius":1,"obstacles":0,"entities":{}})",
  };
  for (const char* b : bad) {
    error.clear();
    EXPECT_FALSE(world_check::parse_truth(b, error)) << b;
    EXPECT_FALSE(error.empty()) << b;
  }
}

world::world_config crowded() {
  world::world_config c;
  c.seed = 5;
  c.half_size = 60 * u;
  c.cell_size = 8 * u;
  c.aoi_radius = 20 * u;
  c.aoi_margin = 2 * u;
  c.aoi_skin = 4 * u;
  c.npc_turn_ticks = 9;
  return c;
}

truth truth_of(const world::world& w) {
  truth t;
  t.tick = w.tick();
  t.radius = w.config().aoi_radius;
  t.margin = w.config().aoi_margin;
  t.max_speed = w.config().max_speed;
  t.entity_radius = w.config().entity_radius;
  for (std::uint32_t e = 0; e < w.entity_count(); ++e) {
    if (w.alive(e)) t.entities.push_back({e, w.position(e).x, w.position(e).y});
  }
  return t;
}

/// The gateway's own stream, a budget so tight most updates wait, frames
/// through world_bot exactly as the bots get them: every view agrees with the
/// world within the staleness allowance, and the allowance was needed.
TEST(world_check, views_under_a_tight_budget_agree_with_the_world) {
  world::world w(crowded(), world::population{.entities = 600, .players = 8});
  world_bot_stats stats;
  std::vector<gateway::client_stream> streams;
  std::vector<std::unique_ptr<world_bot>> bots;
  for (std::uint32_t p = 0; p < 8; ++p) {
    streams.emplace_back(gateway::stream_config{.budget_bytes_per_second = 1500}, p);
    bots.push_back(std::make_unique<world_bot>(static_cast<int>(p), 3, stats));
    std::string welcome;
    wire::encode(wire::welcome_msg{.entity = p, .max_speed = 76, .key = "bot"}, welcome);
    std::vector<std::string> out;
    ASSERT_TRUE(bots.back()->on_message(welcome, 0, true, out).ok);
  }
  for (int t = 1; t <= 150; ++t) {
    const world::step_report& r = w.step({});
    const auto now = std::make_shared<const truth>(truth_of(w));
    for (std::uint32_t p = 0; p < 8; ++p) {
      auto round = std::make_shared<check_round>();
      round->truth = now;
      bots[p]->arm(round);
      streams[p].observe(w, r);
      std::string bytes;
      streams[p].build(w, bytes);
      std::vector<std::string> out;
      ASSERT_TRUE(bots[p]->on_message(bytes, t, true, out).ok);
      bots[p]->check();
      ASSERT_EQ(round->finished.load(), 1);
      ASSERT_FALSE(out.empty());  // the ack comes first
      const auto ack = wire::decode_client(out.front());
      ASSERT_TRUE(ack.msg);
      ASSERT_TRUE(streams[p].ack(std::get<wire::ack_msg>(*ack.msg).tick));
    }
  }
  EXPECT_EQ(stats.comparisons, 150U * 8U);
  EXPECT_EQ(stats.mismatches, 0U) << (stats.first_failures.empty() ? "" : stats.first_failures.front());
  EXPECT_EQ(stats.decode_errors + stats.view_errors, 0U);
  std::uint64_t deferred = 0;
  for (const auto& s : streams) deferred += s.stats().deferred;
  EXPECT_GT(deferred, 1000U);  // the budget did defer: the staleness allowance was exercised
}

TEST(world_bot, acks_each_frame_and_ends_on_bytes_it_cannot_decode) {
  world_bot_stats stats;
  world_bot bot(0, 1, stats);
  std::vector<std::string> out;
  std::string bytes;
  wire::encode(wire::welcome_msg{.entity = 4, .max_speed = 76, .key = "bot-0"}, bytes);
  ASSERT_TRUE(bot.on_message(bytes, 0, true, out).ok);
  EXPECT_TRUE(out.empty());
  bytes.clear();
  wire::encode(wire::frame_msg{.tick = 7, .reset = true, .base = 0, .events = {wire::enter_event{.id = 4, .x = 1, .y = 2}}, .updates = {}},
               bytes);
  ASSERT_TRUE(bot.on_message(bytes, 0, true, out).ok);
  ASSERT_EQ(out.size(), 1U);
  std::string ack;
  wire::encode(wire::ack_msg{7}, ack);
  EXPECT_EQ(out[0], ack);
  EXPECT_EQ(stats.frames, 1U);
  out.clear();
  EXPECT_FALSE(bot.on_message(std::string("\x11\x08", 2), 0, true, out).ok);
  EXPECT_EQ(stats.decode_errors, 1U);
  bytes.clear();  // an update for an entity never entered: the view refuses it
  wire::encode(wire::frame_msg{.tick = 8, .reset = false, .base = 0, .events = {}, .updates = {wire::update{.id = 9, .absolute = true}}},
               bytes);
  EXPECT_FALSE(bot.on_message(bytes, 0, true, out).ok);
  EXPECT_EQ(stats.view_errors, 1U);
  EXPECT_EQ(stats.first_failures.size(), 2U);
}

}  // namespace
}  // namespace metronome::load

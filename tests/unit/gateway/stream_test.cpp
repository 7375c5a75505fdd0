// The server's stream and the client's view together: whatever the world
// does, the acks' delays and the frames skipped, what a client believes is
// what the world holds (its view, positions within the quantization error).
#include <gtest/gtest.h>

#include <random>

#include "metronome/gateway/client_stream.hpp"
#include "metronome/gateway/client_view.hpp"

namespace metronome::gateway {
namespace {

constexpr std::int32_t u = world::units_per_world_unit;

world::world_config config() {
  world::world_config c;
  c.seed = 11;
  c.half_size = 80 * u;
  c.cell_size = 8 * u;
  c.aoi_radius = 20 * u;
  c.aoi_margin = 2 * u;
  c.aoi_skin = 4 * u;
  c.npc_turn_ticks = 7;
  return c;
}

struct client {
  client_stream stream;
  client_view view;
  std::vector<std::uint64_t> unacked;  // ticks applied, ack not yet delivered
};

/// The client's view against the world: the same ids (the player's view plus
/// itself) and, when `exact`, every position within the quantization error.
::testing::AssertionResult agrees(const world::world& w, std::uint32_t self, const client_view& v, bool exact) {
  std::vector<std::uint32_t> want = w.visible(self);
  want.insert(std::lower_bound(want.begin(), want.end(), self), self);
  std::vector<std::uint32_t> got;
  for (const auto& [id, e] : v.entities()) got.push_back(id);
  if (got != want) return ::testing::AssertionFailure() << "tick " << w.tick() << " player " << self << ": ids differ";
  if (!exact) return ::testing::AssertionSuccess();
  for (const std::uint32_t id : want) {
    const qpos q = *v.position(id);
    const world::vec2 p = w.position(id);
    if (std::abs(wire::dequantize(q.x) - p.x) > 4 || std::abs(wire::dequantize(q.y) - p.y) > 4) {
      return ::testing::AssertionFailure() << "tick " << w.tick() << " player " << self << " entity " << id << " off";
    }
  }
  return ::testing::AssertionSuccess();
}

/// Steps a world with walking players, NPCs, joins and leaves; every client
/// gets frames (some skipped), acks them after a delay, and is checked.
void run(std::uint32_t budget, int ack_delay, int skip_every, bool churn, bool exact) {
  world::world w(config(), world::population{.entities = 400, .players = 30});
  std::mt19937_64 rng(17);
  std::map<std::uint32_t, client> clients;
  for (std::uint32_t p = 0; p < 30; ++p) clients.emplace(p, client{client_stream({.budget_bytes_per_second = budget}, p), {}, {}});
  std::uint64_t sys = 0, seq = 0, names = 0;
  for (int t = 1; t <= 200; ++t) {
    std::vector<world::command> cmds;
    ++seq;
    for (auto& [p, c] : clients) {
      if (rng() % 3 == 0) {
        cmds.push_back({.tick = w.tick() + 1,
                        .player = p,
                        .sequence = seq,
                        .entity = p,
                        .kind = world::command_kind::set_velocity,
                        .a = static_cast<std::int32_t>(rng() % 121) - 60,
                        .b = static_cast<std::int32_t>(rng() % 121) - 60});
      }
    }
    if (churn && t % 9 == 0 && !clients.empty()) {
      const auto victim = std::next(clients.begin(), static_cast<std::ptrdiff_t>(rng() % clients.size()))->first;
      cmds.push_back(
          {.tick = w.tick() + 1, .player = world::system_sender, .sequence = ++sys, .entity = victim, .kind = world::command_kind::leave});
    }
    if (churn && t % 5 == 0) {
      cmds.push_back({.tick = w.tick() + 1,
                      .player = world::system_sender,
                      .sequence = ++sys,
                      .kind = world::command_kind::join,
                      .a = static_cast<std::int32_t>(rng() % (100 * u)) - 50 * u,
                      .b = 0,
                      .text = "j" + std::to_string(++names)});
    }
    const world::step_report& r = w.step(cmds);
    for (const std::uint32_t d : r.departed) clients.erase(d);
    for (const world::join_event& j : r.joined) {
      auto [it, fresh] = clients.emplace(j.entity, client{client_stream({.budget_bytes_per_second = budget}, j.entity), {}, {}});
      ASSERT_TRUE(fresh);
    }
    for (auto& [p, c] : clients) {
      c.stream.observe(w, r);
      if (skip_every > 0 && (t + static_cast<int>(p)) % skip_every == 0 && c.view.tick() != 0) continue;  // latest-wins: skipped
      std::string bytes;
      c.stream.build(w, bytes);
      const auto d = wire::decode_server(bytes);
      ASSERT_TRUE(d.msg) << d.error;
      const auto bad = c.view.apply(std::get<wire::frame_msg>(*d.msg));
      ASSERT_FALSE(bad) << *bad;
      ASSERT_TRUE(agrees(w, p, c.view, exact));
      c.unacked.push_back(w.tick());
      while (static_cast<int>(c.unacked.size()) > ack_delay) {
        EXPECT_TRUE(c.stream.ack(c.unacked.front()));
        c.unacked.erase(c.unacked.begin());
      }
    }
  }
}

TEST(stream, generous_budget_every_position_within_quantization) { run(1'000'000, 0, 0, false, true); }
TEST(stream, acks_three_ticks_late_and_skipped_frames) { run(1'000'000, 3, 4, false, true); }
TEST(stream, joins_leaves_and_reused_ids) { run(1'000'000, 2, 5, true, true); }
TEST(stream, tight_budget_keeps_the_view_exact_in_ids) { run(1'500, 2, 0, true, false); }

TEST(stream, tight_budget_defers_but_nobody_starves) {
  // 60 NPCs in one player's view, all moving; a budget for a few updates a tick.
  world::world_config c = config();
  c.entity_radius = 0;
  std::vector<world::spawn> s{{true, {0, 0}, {}}};
  for (int i = 0; i < 60; ++i) s.push_back({false, {(i % 10 - 5) * 3 * u, (i / 10 - 3) * 3 * u}, {}});
  world::world w(c, s);
  client_stream stream({.budget_bytes_per_second = 2000}, 0);  // 100 B per tick
  client_view view;
  std::map<std::uint32_t, std::uint64_t> last_update;
  std::uint64_t worst = 0;
  for (int t = 1; t <= 300; ++t) {
    const world::step_report& r = w.step({});
    stream.observe(w, r);
    std::string bytes;
    stream.build(w, bytes);
    EXPECT_LE(bytes.size(), t == 1 ? 2000u : 260u) << t;  // a reset may exceed; then the budget holds
    const auto f = std::get<wire::frame_msg>(*wire::decode_server(bytes).msg);
    ASSERT_FALSE(view.apply(f));
    EXPECT_TRUE(stream.ack(f.tick));
    for (const auto& up : f.updates) last_update[up.id] = f.tick;
    for (const auto& ev : f.events) {
      if (const auto* e = std::get_if<wire::enter_event>(&ev)) last_update[e->id] = f.tick;
    }
    if (t > 50) {
      for (const auto& [id, e] : view.entities()) {
        if (id != 0 && w.moved(id)) worst = std::max(worst, w.tick() - last_update[id]);
      }
    }
  }
  EXPECT_GT(stream.stats().deferred, 1000u);  // the budget did bind
  EXPECT_LT(worst, 40u);                      // and every entity was refreshed within 2 s
  EXPECT_GT(worst, 1u);
}

TEST(stream, an_old_ack_falls_back_to_a_reset) {
  world::world w(config(), world::population{.entities = 100, .players = 2});
  client_stream stream({}, 0);
  client_view view;
  for (int t = 1; t <= 40; ++t) {
    const world::step_report& r = w.step({});
    stream.observe(w, r);
    std::string bytes;
    stream.build(w, bytes);
    const auto f = std::get<wire::frame_msg>(*wire::decode_server(bytes).msg);
    ASSERT_FALSE(view.apply(f));
    EXPECT_EQ(f.reset, t == 1 || t == 34) << t;  // no ack at all: a reset 33 ticks after the first
  }
  EXPECT_FALSE(stream.ack(41));  // never sent
  EXPECT_TRUE(stream.ack(40));
}

TEST(stream, emotes_and_rejections_reach_the_client) {
  world::world w(config(), std::vector<world::spawn>{{true, {0, 0}, {}}, {true, {u, 0}, {}}});
  client_stream stream({}, 0);
  stream.set_sequence_offset(100);
  client_view view;
  const std::vector<world::command> cmds{
      {.tick = 1, .player = 1, .sequence = 1, .entity = 1, .kind = world::command_kind::emote, .text = "hi"},
      {.tick = 1, .player = 0, .sequence = 101, .entity = 0, .kind = world::command_kind::set_velocity, .a = 1000, .b = 0}};
  w.step({});
  stream.observe(w, w.step({}));  // not stepped with commands yet; view built
  std::string b0;
  stream.build(w, b0);
  ASSERT_FALSE(view.apply(std::get<wire::frame_msg>(*wire::decode_server(b0).msg)));
  std::vector<world::command> now = cmds;
  for (auto& c : now) c.tick = w.tick() + 1;
  stream.observe(w, w.step(now));
  std::string b1;
  stream.build(w, b1);
  ASSERT_FALSE(view.apply(std::get<wire::frame_msg>(*wire::decode_server(b1).msg)));
  EXPECT_EQ(view.emotes, 1u);
  ASSERT_EQ(view.rejected.size(), 1u);
  EXPECT_EQ(view.rejected[0].seq, 1u);
  EXPECT_EQ(view.rejected[0].reason, static_cast<std::uint8_t>(world::reject_reason::too_fast));
}

}  // namespace
}  // namespace metronome::gateway

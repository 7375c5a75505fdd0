// durable_world: what is logged comes back after a restart exactly as a
// world that never stopped; torn tails are dropped; old log goes away.
#include "metronome/world/durable/durable_world.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "../journal/journal_test_dir.hpp"
#include "metronome/world/durable/command_log.hpp"
#include "world_test_support.hpp"

namespace metronome::world::durable {
namespace {

using journal::testing::temp_dir;
using testing::u;

world_config config_of(std::uint32_t shards) {
  world_config c;
  c.seed = 77;
  c.half_size = 50 * u;
  c.cell_size = 4 * u;
  c.aoi_radius = 8 * u;
  c.aoi_margin = u;
  c.aoi_skin = 2 * u;
  c.npc_turn_ticks = 6;
  c.shards = shards;
  return c;
}
const population pop{.entities = 400, .players = 60};

/// Deterministic commands for a tick (some rejected), the same in every run.
std::vector<command> script(std::uint64_t tick) {
  std::mt19937_64 rng(tick);
  std::vector<command> out;
  for (std::uint32_t p = 0; p < pop.players; p += 1 + static_cast<std::uint32_t>(rng() % 9)) {
    const auto vx = static_cast<std::int32_t>(rng() % 121) - 60;
    out.push_back({.tick = tick, .player = p, .sequence = tick, .entity = p, .kind = command_kind::set_velocity, .a = vx, .b = 5});
  }
  out.push_back({.tick = tick, .player = 1, .sequence = 1, .entity = 1, .kind = command_kind::stop});  // stale after tick 1
  return out;
}

/// The hash of a never-stopped world after each tick 0..ticks.
std::vector<std::uint64_t> reference(std::uint32_t shards, std::uint64_t ticks) {
  world w(config_of(shards), pop);
  std::vector<std::uint64_t> h{w.hash()};
  for (std::uint64_t t = 1; t <= ticks; ++t) {
    w.step(script(t));
    h.push_back(w.hash());
  }
  return h;
}

std::unique_ptr<durable_world> open_dw(const durable_options& o, std::uint32_t shards = 1) {
  auto d = durable_world::open(o, config_of(shards), pop);
  if (!d) throw std::runtime_error(d.error().message);
  return std::move(*d);
}

void run_to(durable_world& d, std::uint64_t tick) {
  while (d.state().tick() < tick) {
    auto r = d.step(script(d.state().tick() + 1));
    if (!r) throw std::runtime_error(r.error().message);
  }
}

std::filesystem::path newest_segment(const std::filesystem::path& dir) {
  std::filesystem::path newest;
  for (const auto& e : std::filesystem::directory_iterator(dir / "log")) newest = std::max(newest, e.path());
  return newest;
}

TEST(durable_world, restart_resumes_at_the_last_logged_tick_with_the_same_future) {
  for (const std::uint32_t shards : {1u, 3u}) {
    const auto ref = reference(shards, 200);
    temp_dir dir;
    durable_options o{.dir = dir.path(), .snapshot_every = 32};
    {
      auto d = open_dw(o, shards);
      EXPECT_TRUE(d->recovered().fresh);
      run_to(*d, 75);
      EXPECT_EQ(d->last_logged_tick(), 75u);
      EXPECT_EQ(d->last_snapshot_tick(), 64u);
    }
    auto d = open_dw(o, shards);
    EXPECT_FALSE(d->recovered().fresh);
    EXPECT_EQ(d->recovered().snapshot_tick, 64u);
    EXPECT_EQ(d->recovered().replayed_ticks, 11u);
    ASSERT_EQ(d->state().tick(), 75u);
    EXPECT_EQ(d->state().hash(), ref[75]);
    for (std::uint64_t t = 76; t <= 200; ++t) {
      run_to(*d, t);
      ASSERT_EQ(d->state().hash(), ref[t]) << shards << " shards, tick " << t;
    }
  }
}

TEST(durable_world, a_torn_last_record_is_dropped_and_reported) {
  const auto ref = reference(1, 60);
  temp_dir dir;
  durable_options o{.dir = dir.path(), .snapshot_every = 1000};
  {
    auto d = open_dw(o);
    run_to(*d, 40);
  }
  const auto seg = newest_segment(dir.path());
  std::filesystem::resize_file(seg, std::filesystem::file_size(seg) - 3);  // tick 40's record, torn
  auto d = open_dw(o);
  EXPECT_GT(d->recovered().dropped_tail_bytes, 0u);
  EXPECT_EQ(d->recovered().tail, journal::scan_stop::truncated);
  ASSERT_EQ(d->state().tick(), 39u);
  EXPECT_EQ(d->state().hash(), ref[39]);
  run_to(*d, 60);  // tick 40 again, from the same inputs
  EXPECT_EQ(d->state().hash(), ref[60]);
}

TEST(durable_world, garbage_after_the_last_record_is_dropped) {
  const auto ref = reference(1, 30);
  temp_dir dir;
  durable_options o{.dir = dir.path()};
  {
    auto d = open_dw(o);
    run_to(*d, 30);
  }
  std::ofstream(newest_segment(dir.path()), std::ios::app | std::ios::binary) << std::string(21, '\x7f');
  auto d = open_dw(o);
  EXPECT_EQ(d->recovered().dropped_tail_bytes, 21u);
  EXPECT_EQ(d->state().tick(), 30u);
  EXPECT_EQ(d->state().hash(), ref[30]);
}

TEST(durable_world, old_segments_are_removed_after_a_snapshot_and_replay_reaches_any_logged_tick) {
  const auto ref = reference(2, 150);
  temp_dir dir;
  durable_options o{.dir = dir.path(), .snapshot_every = 25, .segment_bytes = 2048, .keep_snapshots = 3};
  {
    auto d = open_dw(o, 2);
    run_to(*d, 150);
  }
  std::uint64_t oldest = UINT64_MAX;
  std::size_t segments = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "log")) {
    oldest = std::min<std::uint64_t>(oldest, std::stoull(e.path().stem().string()));
    ++segments;
  }
  // Snapshots 100, 125 and 150 are kept; the log from the oldest of them on.
  EXPECT_GT(oldest, 60u) << "segments before the oldest kept snapshot (tick 100) are gone";
  EXPECT_LE(oldest, 101u);
  EXPECT_GT(segments, 1u);
  serial_executor serial;
  for (const std::uint64_t t : {std::uint64_t{100}, std::uint64_t{101}, std::uint64_t{124}, std::uint64_t{148}, std::uint64_t{150}}) {
    auto w = replay(dir.path(), t, serial);
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ(w->hash(), ref[t]) << "tick " << t;
  }
  auto early = replay(dir.path(), 99, serial);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, errc::not_found);
  auto late = replay(dir.path(), 151, serial);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message.find("ends at tick 150"), std::string::npos) << late.error().message;
}

TEST(durable_world, another_world_in_the_directory_is_refused) {
  temp_dir dir;
  durable_options o{.dir = dir.path()};
  { auto d = open_dw(o); }
  auto other = durable_world::open(o, config_of(2), pop);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, errc::conflict);
  auto fewer = durable_world::open(o, config_of(1), population{.entities = 400, .players = 59});
  ASSERT_FALSE(fewer);
}

TEST(durable_world, a_world_whose_players_joined_reopens_and_another_population_is_still_refused) {
  // After joins the world holds more entities than its population: the
  // directory's genesis, not the snapshot, says what it was made from.
  temp_dir dir;
  durable_options o{.dir = dir.path(), .snapshot_every = 5};
  std::uint64_t hash = 0;
  {
    auto d = open_dw(o);
    run_to(*d, 3);
    const std::vector<command> joins{
        {.tick = 4, .player = system_sender, .sequence = 1, .kind = command_kind::join, .text = "alice"},
        {.tick = 4, .player = system_sender, .sequence = 2, .kind = command_kind::join, .a = 2 * u, .text = "bob"}};
    auto r = d->step(joins);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ((*r)->joined.size(), 2u);
    run_to(*d, 12);  // a snapshot at 5 and 10 holds the joined players
    ASSERT_EQ(d->last_snapshot_tick(), 10u);
    ASSERT_GT(d->state().entity_count(), pop.entities);
    hash = d->state().hash();
  }
  auto again = durable_world::open(o, config_of(1), pop);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->state().tick(), 12u);
  EXPECT_EQ((*again)->state().hash(), hash);
  EXPECT_TRUE((*again)->state().find("bob").has_value());
  again->reset();
  auto fewer = durable_world::open(o, config_of(1), population{.entities = 400, .players = 59});
  ASSERT_FALSE(fewer);
  EXPECT_EQ(fewer.error().code, errc::conflict);
}

TEST(durable_world, group_commit_reports_what_is_on_disk) {
  temp_dir dir;
  durable_options o{.dir = dir.path(), .ticks_per_write = 4};
  auto d = open_dw(o);
  run_to(*d, 6);
  EXPECT_EQ(d->last_logged_tick(), 4u);
  ASSERT_TRUE(d->flush());
  EXPECT_EQ(d->last_logged_tick(), 6u);
}

TEST(durable_world, a_missing_segment_is_a_gap_not_skipped) {
  temp_dir dir;
  durable_options o{.dir = dir.path(), .snapshot_every = 1000, .segment_bytes = 1024};
  {
    auto d = open_dw(o);
    run_to(*d, 80);
  }
  std::vector<std::filesystem::path> segs;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "log")) segs.push_back(e.path());
  std::sort(segs.begin(), segs.end());
  ASSERT_GE(segs.size(), 3u);
  std::filesystem::remove(segs[1]);
  auto d = durable_world::open(o, config_of(1), pop);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("log gap"), std::string::npos) << d.error().message;
}

TEST(command_log, round_trip_and_refusals) {
  std::vector<command> cmds = script(3);
  cmds.push_back({.tick = 9, .player = 2, .sequence = 5, .entity = 2, .kind = command_kind::emote, .text = "hello"});
  std::string bytes;
  encode_commands(cmds, bytes);
  auto back = decode_commands(bytes);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), cmds.size());
  EXPECT_EQ(back->back().text, "hello");
  EXPECT_EQ((*back)[0].a, cmds[0].a);
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(decode_commands(std::string_view(bytes).substr(0, n))) << n;
  EXPECT_FALSE(decode_commands(bytes + "x"));
  std::string bad = bytes;
  bad[4 + 24] = 9;  // the first command's kind
  auto refused = decode_commands(bad);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("kind 9"), std::string::npos);
}

}  // namespace
}  // namespace metronome::world::durable

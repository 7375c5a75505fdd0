// world::step_shard: K replicas, one thread each, exchanging their phase
// outputs through memory, agree with world::step tick after tick: the same
// hash, and each player's events as its holder computes them.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "metronome/world/world.hpp"
#include "world_test_support.hpp"

namespace metronome::world {
namespace {

using testing::u;

/// The outputs of every shard, per (tick, phase): a barrier in memory.
class memory_bus {
 public:
  explicit memory_bus(std::uint32_t shards) : shards_(shards) {}
  std::vector<std::string> exchange(std::uint32_t self, std::uint64_t tick, shard_phase phase, const std::string& mine) {
    std::unique_lock lock(mutex_);
    auto& slot = posted_[{tick, static_cast<int>(phase)}];
    slot[self] = mine;
    changed_.notify_all();
    changed_.wait(lock, [&] { return slot.size() == shards_; });
    std::vector<std::string> theirs;
    for (const auto& [from, bytes] : slot) {
      if (from != self) theirs.push_back(bytes);
    }
    return theirs;
  }

 private:
  std::uint32_t shards_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::pair<std::uint64_t, int>, std::map<std::uint32_t, std::string>> posted_;
};

class bus_exchange final : public shard_exchange {
 public:
  bus_exchange(memory_bus& bus, std::uint32_t self) : bus_(bus), self_(self) {}
  std::vector<std::string> exchange(std::uint64_t tick, shard_phase phase, const std::string& mine) override {
    return bus_.exchange(self_, tick, phase, mine);
  }

 private:
  memory_bus& bus_;
  std::uint32_t self_;
};

world_config small_config(std::uint32_t shards) {
  world_config c;
  c.seed = 7;
  c.half_size = 100 * u;
  c.cell_size = 4 * u;
  c.aoi_radius = 12 * u;
  c.aoi_margin = u;
  c.aoi_skin = 3 * u;
  c.npc_turn_ticks = 5;
  c.shards = shards;
  return c;
}

/// Commands of a tick: velocities for some players, joins, leaves of earlier joins.
std::vector<command> commands_for(std::uint64_t tick, std::mt19937_64& rng, std::uint32_t players) {
  std::vector<command> cmds;
  for (std::uint32_t p = 0; p < players; p += 5) {
    const auto vx = static_cast<std::int32_t>(rng() % 141) - 70;
    cmds.push_back({.tick = tick, .player = p, .sequence = tick, .entity = p, .kind = command_kind::set_velocity, .a = vx, .b = 10});
  }
  if (tick % 7 == 1) {
    cmds.push_back({.tick = tick,
                    .player = system_sender,
                    .sequence = tick,
                    .kind = command_kind::join,
                    .a = static_cast<std::int32_t>(rng() % 20000) - 10000,
                    .b = 0,
                    .text = "k" + std::to_string(tick)});
  }
  return cmds;
}

TEST(shard_step, replicas_agree_with_the_whole_step) {
  const population pop{.entities = 1500, .players = 400};
  for (const std::uint32_t k : {2u, 3u}) {
    const world_config c = small_config(k);
    world whole(c, pop);
    std::vector<world> replicas;
    for (std::uint32_t i = 0; i < k; ++i) replicas.emplace_back(c, pop);
    memory_bus bus(k);
    std::vector<bus_exchange> ex;
    for (std::uint32_t i = 0; i < k; ++i) ex.emplace_back(bus, i);
    std::mt19937_64 rng(5);
    std::uint64_t handovers = 0;
    for (std::uint64_t t = 1; t <= 80; ++t) {
      auto cmds = commands_for(t, rng, pop.players);
      if (t % 11 == 0) {
        if (const auto j = whole.find("k" + std::to_string(t - 10)))
          cmds.push_back({.tick = t, .player = system_sender, .sequence = 1000 + t, .entity = *j, .kind = command_kind::leave});
      }
      handovers += whole.step(cmds).handovers;
      std::vector<std::thread> threads;
      for (std::uint32_t i = 0; i < k; ++i) threads.emplace_back([&, i] { replicas[i].step_shard(cmds, i, ex[i]); });
      for (auto& th : threads) th.join();
      for (std::uint32_t i = 0; i < k; ++i) ASSERT_EQ(replicas[i].hash(), whole.hash()) << k << " shards, replica " << i << ", tick " << t;
      for (std::uint32_t p = 0; p < whole.entity_count(); ++p) {
        if (!whole.alive(p) || whole.kind(p) != entity_kind::player) continue;
        const world& holder = replicas[whole.shard_of(p)];
        ASSERT_EQ(holder.visible(p), whole.visible(p)) << "player " << p << " tick " << t;
        ASSERT_TRUE(std::ranges::equal(holder.entered(p), whole.entered(p))) << "player " << p << " tick " << t;
        ASSERT_TRUE(std::ranges::equal(holder.left(p), whole.left(p))) << "player " << p << " tick " << t;
      }
    }
    EXPECT_GT(handovers, 50u) << "the run must hand entities over";
    // A replica's snapshot restores (it holds only its own players' views).
    for (const world& r : replicas) EXPECT_EQ(world::restore(r.save()).hash(), whole.hash());
  }
}

TEST(shard_step, a_whole_world_becomes_a_replica) {
  const population pop{.entities = 800, .players = 200};
  const world_config c = small_config(2);
  world whole(c, pop), a(c, pop), b(c, pop);
  for (std::uint64_t t = 1; t <= 10; ++t) {
    whole.step({});
    a.step({});
    b.step({});
  }
  a.keep_views_of(0);
  b.keep_views_of(1);
  memory_bus bus(2);
  bus_exchange ea(bus, 0), eb(bus, 1);
  for (std::uint64_t t = 11; t <= 30; ++t) {
    whole.step({});
    std::thread other([&] { b.step_shard({}, 1, eb); });
    a.step_shard({}, 0, ea);
    other.join();
    ASSERT_EQ(a.hash(), whole.hash());
    ASSERT_EQ(b.hash(), whole.hash());
  }
}

TEST(shard_step, malformed_outputs_are_refused) {
  const population pop{.entities = 300, .players = 50};
  world w(small_config(2), pop);
  EXPECT_TRUE(w.check_shard_output("", 0));
  EXPECT_TRUE(w.check_shard_output(std::string(40, '\x01'), 0));
  // A real move output of shard 1 passes; cut short or from shard 0 itself it does not.
  world other(small_config(2), pop);
  struct capture final : shard_exchange {
    std::string got;
    std::vector<std::string> exchange(std::uint64_t, shard_phase, const std::string& mine) override {
      if (got.empty()) got = mine;
      throw std::runtime_error("captured");
    }
  } cap;
  EXPECT_THROW(other.step_shard({}, 1, cap), std::runtime_error);
  ASSERT_FALSE(cap.got.empty());
  EXPECT_EQ(w.check_shard_output(cap.got, 0), std::nullopt);
  EXPECT_TRUE(w.check_shard_output(cap.got, 1));
  EXPECT_TRUE(w.check_shard_output(cap.got.substr(0, cap.got.size() - 1), 0));
  EXPECT_TRUE(w.check_shard_output(cap.got + "x", 0));
  EXPECT_THROW(w.step_shard({}, 2, cap), std::out_of_range);
}

}  // namespace
}  // namespace metronome::world

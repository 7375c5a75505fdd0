// kill -9 at random moments while a child process steps a durable world:
// every restart comes back at (or after) the last tick the child saw become
// durable, with the hash a never-killed world has at that tick.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <thread>

#include "../journal/journal_test_dir.hpp"
#include "metronome/world/durable/durable_world.hpp"
#include "world_test_support.hpp"

namespace metronome::world::durable {
namespace {

using testing::u;

world_config config_of() {
  world_config c;
  c.seed = 31;
  c.half_size = 80 * u;
  c.cell_size = 4 * u;
  c.aoi_radius = 10 * u;
  c.aoi_margin = u;
  c.aoi_skin = 2 * u;
  c.shards = 2;
  return c;
}
const population pop{.entities = 1500, .players = 200};
constexpr std::uint64_t last_tick = 600;

std::vector<command> script(std::uint64_t tick) {
  std::vector<command> out;
  for (std::uint32_t p = static_cast<std::uint32_t>(tick % 5); p < pop.players; p += 5) {
    const auto vx = static_cast<std::int32_t>((tick * 7 + p) % 61) - 30;
    out.push_back({.tick = tick, .player = p, .sequence = tick, .entity = p, .kind = command_kind::set_velocity, .a = vx, .b = -vx / 2});
  }
  return out;
}

// Child: resume and step to last_tick, writing each durable tick to the pipe.
[[noreturn]] void step_until_killed(const durable_options& o, int report_fd) {
  auto d = durable_world::open(o, config_of(), pop);
  if (!d) ::_exit(3);
  while ((*d)->state().tick() < last_tick) {
    if (!(*d)->step(script((*d)->state().tick() + 1))) ::_exit(4);
    const std::uint64_t t = (*d)->last_logged_tick().value_or(0);
    if (::write(report_fd, &t, sizeof t) != static_cast<ssize_t>(sizeof t)) ::_exit(5);
  }
  ::_exit(0);
}

/// Runs a child, kills it `after` the report of its first tick + `ticks`
/// (or lets it finish), returns the last durable tick it reported.
std::uint64_t run_and_kill(const durable_options& o, std::uint64_t ticks, std::chrono::microseconds after) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    ::close(fds[0]);
    step_until_killed(o, fds[1]);
  }
  ::close(fds[1]);
  std::uint64_t last = 0;
  std::optional<std::uint64_t> first;
  auto kill_at = std::chrono::steady_clock::time_point::max();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool killed = false;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (!killed && now >= kill_at) {  // mid-step, mid-write or mid-snapshot: wherever it is
      ::kill(pid, SIGKILL);
      killed = true;
    }
    if (now > give_up) {
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 5) <= 0) continue;
    std::uint64_t t = 0;
    if (::read(fds[0], &t, sizeof t) != static_cast<ssize_t>(sizeof t)) break;  // EOF: the child is gone
    last = std::max(last, t);
    if (!first) first = t;
    // Counted in ticks, so that a fast machine and a loaded one kill as
    // often; then `after` more, to land mid-step, mid-write or mid-snapshot.
    if (kill_at == std::chrono::steady_clock::time_point::max() && last >= *first + ticks) {
      kill_at = std::chrono::steady_clock::now() + after;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return last;
}

TEST(durable_kill, twenty_five_kill_9s_then_the_never_killed_hash) {
  std::vector<std::uint64_t> ref{0};
  {
    world w(config_of(), pop);
    ref[0] = w.hash();
    for (std::uint64_t t = 1; t <= last_tick; ++t) {
      w.step(script(t));
      ref.push_back(w.hash());
    }
  }
  journal::testing::temp_dir dir;
  const durable_options o{.dir = dir.path(), .snapshot_every = 50, .segment_bytes = 64u << 10};
  std::mt19937 rng(20261201);
  std::uint64_t reported = 0, advanced = 0;
  int killed_mid_run = 0;
  std::size_t torn = 0;
  for (int round = 0; round < 25; ++round) {
    reported = std::max(reported, run_and_kill(o, rng() % 16, std::chrono::microseconds(rng() % 4000)));
    auto d = durable_world::open(o, config_of(), pop);
    ASSERT_TRUE(d) << d.error().message;
    const std::uint64_t t = (*d)->state().tick();
    ASSERT_GE(t, reported) << "round " << round << ": a tick reported durable was lost";
    ASSERT_EQ((*d)->state().hash(), ref[t]) << "round " << round << " tick " << t;
    EXPECT_GE(t, advanced) << "round " << round << ": recovery went back";
    advanced = t;
    torn += (*d)->recovered().dropped_tail_bytes > 0 ? 1u : 0u;
    if (t == last_tick) break;
    ++killed_mid_run;
  }
  EXPECT_GE(killed_mid_run, 20) << "the world finished before 20 kills: kill sooner";
  std::printf("kill -9 mid-run %d times, %zu torn tails dropped, last recovered tick %llu\n", killed_mid_run, torn,
              static_cast<unsigned long long>(advanced));
  run_and_kill(o, last_tick + 1, std::chrono::microseconds(0));  // to the end, unkilled
  auto d = durable_world::open(o, config_of(), pop);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ((*d)->state().tick(), last_tick);
  EXPECT_EQ((*d)->state().hash(), ref[last_tick]);
}

}  // namespace
}  // namespace metronome::world::durable

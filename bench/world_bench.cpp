// World core benchmarks (issue 9, (a) to (e)), each side by side with the
// straightforward baseline grid in the same run. Prints one JSON object per
// scenario. Build with the release preset:
//   cmake --preset release && cmake --build --preset release --target world_bench
//   build/release/bench/world_bench [--ticks 200] [--warmup 20] [--only a,b,c,d,e]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "metronome/world/runner/scenarios.hpp"
#include "metronome/world/runner/thread_executor.hpp"
#include "world_baseline_grid.hpp"

namespace {

using namespace metronome::world;
using metronome::bench::baseline_grid;

baseline_grid baseline_of(const world& w) {
  std::vector<baseline_grid::entity> es;
  for (std::uint32_t e = 0; e < w.entity_count(); ++e) {
    es.push_back({w.position(e), w.velocity(e), w.kind(e) == entity_kind::player});
  }
  const auto& c = w.config();
  return baseline_grid(c.half_size, c.aoi_radius, c.aoi_margin, c.entity_radius, std::move(es));
}

struct baseline_stats {
  runner::tick_stats wall, cpu;
};

baseline_stats time_baseline(baseline_grid& g, std::uint32_t ticks, std::uint32_t warmup) {
  for (std::uint32_t i = 0; i < warmup; ++i) g.tick();
  std::vector<double> ms, cpu;
  for (std::uint32_t i = 0; i < ticks; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = runner::process_cpu_ms();
    g.tick();
    cpu.push_back(runner::process_cpu_ms() - cpu_start);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return {runner::summarize(ms), runner::summarize(cpu)};
}

/// The baseline must compute the same thing: with contacts off both move
/// alike, so their visible sets must agree tick after tick.
bool baseline_agrees(runner::scenario s, std::uint32_t ticks) {
  s.config.entity_radius = 0;
  world w = runner::make_world(s);
  baseline_grid g = baseline_of(w);
  serial_executor serial;
  for (std::uint32_t t = 0; t < ticks; ++t) {
    w.step({}, serial);
    g.tick();
    for (std::uint32_t p = 0; p < w.entity_count(); ++p) {
      if (w.kind(p) != entity_kind::player) continue;
      const auto want = w.visible(p);
      const auto got = g.visible(p);
      if (!std::equal(want.begin(), want.end(), got.begin(), got.end())) return false;
    }
  }
  return true;
}

void print_stats(const char* key, const runner::tick_stats& t);
void print_baseline(const char* key, const baseline_stats& b) {
  std::printf("\"%s\":{", key);
  print_stats("wall", b.wall);
  std::printf(",");
  print_stats("cpu", b.cpu);
  std::printf("}");
}

void print_stats(const char* key, const runner::tick_stats& t) {
  std::printf("\"%s\":{\"ticks\":%llu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f}", key,
              static_cast<unsigned long long>(t.ticks), t.p50_ms, t.p99_ms, t.max_ms, t.mean_ms);
}

void print_core(const runner::run_result& r) {
  print_stats("metronome_wall", r.tick);
  std::printf(",");
  print_stats("metronome_cpu", r.cpu);
  std::printf(
      ",\"updates_per_tick\":%.0f,\"updates_per_second_per_core\":%.0f,\"visible_per_player\":%.1f,"
      "\"entered_per_tick\":%.0f,\"left_per_tick\":%.0f,\"aoi_checks_per_tick\":%.0f,"
      "\"aoi_rebuilds_per_tick\":%.1f,\"aoi_candidates_per_tick\":%.0f,\"handovers_per_tick\":%.1f",
      r.moved_per_tick, r.updates_per_second_per_core, r.visible_per_player, r.entered_per_tick, r.left_per_tick, r.checks_per_tick,
      r.rebuilds_per_tick, r.candidates_per_tick, r.handovers_per_tick);
}

struct options {
  std::uint32_t ticks = 200, warmup = 20;
  std::string only = "a,b,c,d,e";
  std::int32_t skin = -1;  // world units; -1: the scenario's
};

runner::scenario tuned(runner::scenario s, const options& o) {
  if (o.skin >= 0) s.config.aoi_skin = o.skin * units_per_world_unit;
  return s;
}

bool wants(const options& o, char c) { return o.only.find(c) != std::string::npos; }

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--ticks"))
      o.ticks = static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    else if (!std::strcmp(argv[i], "--warmup"))
      o.warmup = static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    else if (!std::strcmp(argv[i], "--only"))
      o.only = argv[i + 1];
    else if (!std::strcmp(argv[i], "--skin"))
      o.skin = static_cast<std::int32_t>(std::strtol(argv[i + 1], nullptr, 10));
    else {
      std::fprintf(stderr, "world_bench: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (o.ticks == 0) {
    std::fprintf(stderr, "world_bench: --ticks must be positive\n");
    return 2;
  }
  serial_executor serial;
  double crowd_p50 = 0, crowd_mean = 0;
  if (wants(o, 'a') || wants(o, 'b') || wants(o, 'c')) {
    const runner::scenario s = tuned(runner::crowd(1), o);
    world w = runner::make_world(s);
    baseline_grid g = baseline_of(w);
    const runner::run_result r = runner::run(s, w, serial, o.ticks, o.warmup);
    const baseline_stats b = time_baseline(g, std::min<std::uint32_t>(o.ticks, 50), 2);
    crowd_p50 = r.tick.p50_ms;
    crowd_mean = r.tick.mean_ms;
    std::printf("{\"bench\":\"a_crowd_10k_one_core\",");
    print_core(r);
    std::printf(",");
    print_baseline("baseline_grid", b);
    std::printf(",\"cpu_speedup_p50\":%.1f,\"cpu_speedup_p99\":%.1f,\"wall_speedup_p50\":%.1f,\"baseline_agrees\":%s}\n",
                b.cpu.p50_ms / r.cpu.p50_ms, b.cpu.p99_ms / r.cpu.p99_ms, b.wall.p50_ms / r.tick.p50_ms,
                baseline_agrees(s, 20) ? "true" : "false");
    std::fflush(stdout);
  }
  if (wants(o, 'b') || wants(o, 'c')) {
    const runner::scenario s = tuned(runner::crowd(1, 2), o);
    world w = runner::make_world(s);
    runner::thread_executor threads(2);
    const runner::run_result r = runner::run(s, w, threads, o.ticks, o.warmup);
    std::printf("{\"bench\":\"b_crowd_10k_two_shards_two_cores\",");
    print_core(r);
    std::printf(",\"speedup_vs_one_core_p50\":%.2f,\"speedup_vs_one_core_mean\":%.2f}\n", crowd_p50 / r.tick.p50_ms,
                crowd_mean / r.tick.mean_ms);
    std::fflush(stdout);
  }
  if (wants(o, 'd')) {
    const runner::scenario s = tuned(runner::hot_cell(1), o);
    world w = runner::make_world(s);
    baseline_grid g = baseline_of(w);
    const runner::run_result r = runner::run(s, w, serial, o.ticks, o.warmup);
    // What one player in the hot cell is sent per tick: enter + leave + moved-while-visible.
    std::uint64_t moved = 0;
    w.for_each_moved_visible(0, [&](std::uint32_t) { ++moved; });
    // With a budget of 128 updates per player per tick, nearest first.
    constexpr std::size_t cap = 128;
    std::vector<std::uint32_t> sent;
    std::uint64_t capped_players = 0;
    const double select_start = runner::process_cpu_ms();
    for (std::uint32_t p = 0; p < w.entity_count(); ++p) {
      w.nearest_moved_visible(p, cap, sent);
      capped_players += sent.size() == cap ? 1u : 0u;
    }
    const double select_ms = runner::process_cpu_ms() - select_start;
    const baseline_stats b = time_baseline(g, std::min<std::uint32_t>(o.ticks, 30), 2);
    std::printf("{\"bench\":\"d_hot_cell_2000_within_one_radius\",");
    print_core(r);
    std::printf(
        ",\"hot_player_visible\":%u,\"hot_player_updates_per_tick\":%llu,\"hot_player_bytes_per_tick_at_12B\":%llu,"
        "\"cap_per_player\":%zu,\"players_at_cap\":%llu,\"cap_selection_cpu_ms_all_players\":%.3f,",
        w.visible_count(0), static_cast<unsigned long long>(moved + w.entered(0).size() + w.left(0).size()),
        static_cast<unsigned long long>(12 * (moved + w.entered(0).size() + w.left(0).size())), cap,
        static_cast<unsigned long long>(capped_players), select_ms);
    print_baseline("baseline_grid", b);
    std::printf(",\"cpu_speedup_p99\":%.1f}\n", b.cpu.p99_ms / r.cpu.p99_ms);
    std::fflush(stdout);
  }
  if (wants(o, 'e')) {
    const runner::scenario s = tuned(runner::large(1, 2), o);
    world w = runner::make_world(s);
    baseline_grid g = baseline_of(w);
    runner::thread_executor threads(2);
    const runner::run_result r = runner::run(s, w, threads, o.ticks, o.warmup);
    const baseline_stats b = time_baseline(g, std::min<std::uint32_t>(o.ticks, 50), 2);
    std::printf("{\"bench\":\"e_100k_entities_20000_square_two_cores\",");
    print_core(r);
    std::printf(",");
    print_baseline("baseline_grid_one_core", b);
    std::printf("}\n");
  }
  return 0;
}

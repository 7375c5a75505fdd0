#include "metronome/world/runner/scenarios.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include "metronome/engine/detail/splitmix.hpp"

namespace metronome::world::runner {
namespace {

constexpr std::int32_t u = units_per_world_unit;

world_config base_config(std::uint64_t seed, std::int32_t half_world_units) {
  world_config c;
  c.seed = seed;
  c.half_size = half_world_units * u;
  c.aoi_radius = 100 * u;
  c.aoi_margin = 5 * u;
  c.aoi_skin = 40 * u;
  c.cell_size = 32 * u;
  return c;
}

}  // namespace

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

scenario crowd(std::uint64_t seed, std::uint32_t shards) {
  scenario s{.name = shards == 1 ? "crowd" : "crowd_sharded",
             .config = base_config(seed, 1000),
             .pop = {.entities = 10'000, .players = 10'000},
             .spawns = {},
             .threads = shards};
  s.config.shards = shards;
  return s;
}

scenario hot_cell(std::uint64_t seed) {
  scenario s{.name = "hot_cell", .config = base_config(seed, 1000), .pop = {}, .spawns = {}, .threads = 1};
  const std::int32_t lim = s.config.half_size - s.config.entity_radius;
  const std::uint64_t key = engine::detail::mix64(seed ^ 0x686F74ULL);
  std::uint64_t n = 0;
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    const auto span = static_cast<std::uint64_t>(hi - lo + 1);
    return static_cast<std::int32_t>(lo +
                                     static_cast<std::int64_t>(engine::detail::scale_to(engine::detail::splitmix64_at(key, ++n), span)));
  };
  const std::int32_t v = s.config.max_speed * 7 / 10;  // per axis: |velocity| <= max_speed
  for (int i = 0; i < 10'000; ++i) {
    vec2 p;
    if (i < 2'000) {  // inside a disc of radius 50 around (100, 100)
      do {
        p = {uniform(-50 * u, 50 * u), uniform(-50 * u, 50 * u)};
      } while (distance2(p, {}) > std::int64_t{50 * u} * (50 * u));
      p = {p.x + 100 * u, p.y + 100 * u};
    } else {
      p = {uniform(-lim, lim), uniform(-lim, lim)};
    }
    s.spawns.push_back({true, p, {uniform(-v, v), uniform(-v, v)}});
  }
  return s;
}

scenario large(std::uint64_t seed, std::uint32_t shards) {
  scenario s{.name = "large",
             .config = base_config(seed, 10'000),
             .pop = {.entities = 100'000, .players = 10'000},
             .spawns = {},
             .threads = shards};
  s.config.cell_size = 64 * u;
  s.config.shards = shards;
  return s;
}

world make_world(const scenario& s) {
  if (!s.spawns.empty()) return world(s.config, s.spawns);
  return world(s.config, s.pop);
}

tick_stats summarize(std::vector<double> samples) {
  tick_stats t;
  t.ticks = samples.size();
  if (samples.empty()) return t;
  std::sort(samples.begin(), samples.end());
  auto rank = [&](double q) {
    const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
    return samples[std::clamp<std::size_t>(i, 1, samples.size()) - 1];
  };
  t.p50_ms = rank(0.50);
  t.p99_ms = rank(0.99);
  t.max_ms = samples.back();
  double sum = 0;
  for (double x : samples) sum += x;
  t.mean_ms = sum / static_cast<double>(samples.size());
  return t;
}

run_result run(const scenario&, world& w, executor& ex, std::uint32_t ticks, std::uint32_t warmup) {
  for (std::uint32_t i = 0; i < warmup; ++i) w.step({}, ex);
  std::vector<double> samples, cpu;
  samples.reserve(ticks);
  cpu.reserve(ticks);
  run_result r;
  std::uint64_t moved = 0, checks = 0, rebuilds = 0, candidates = 0, handovers = 0, entered = 0, left = 0;
  for (std::uint32_t i = 0; i < ticks; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = process_cpu_ms();
    const step_report& rep = w.step({}, ex);
    cpu.push_back(process_cpu_ms() - cpu_start);
    const auto stop = std::chrono::steady_clock::now();
    samples.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    moved += rep.moved;
    checks += rep.aoi_checks;
    rebuilds += rep.aoi_rebuilds;
    candidates += rep.aoi_candidates;
    handovers += rep.handovers;
    for (std::uint32_t p = 0; p < w.entity_count(); ++p) {
      if (w.kind(p) != entity_kind::player) continue;
      entered += w.entered(p).size();
      left += w.left(p).size();
    }
  }
  r.tick = summarize(samples);
  r.cpu = summarize(cpu);
  const double n = std::max<double>(ticks, 1);
  r.moved_per_tick = static_cast<double>(moved) / n;
  r.checks_per_tick = static_cast<double>(checks) / n;
  r.rebuilds_per_tick = static_cast<double>(rebuilds) / n;
  r.candidates_per_tick = static_cast<double>(candidates) / n;
  r.handovers_per_tick = static_cast<double>(handovers) / n;
  r.entered_per_tick = static_cast<double>(entered) / n;
  r.left_per_tick = static_cast<double>(left) / n;
  // Per core: CPU time, so that other processes on the machine do not count against it.
  r.updates_per_second_per_core = r.cpu.mean_ms > 0 ? r.moved_per_tick / (r.cpu.mean_ms / 1000.0) : 0;
  std::uint64_t players = 0, visible = 0;
  for (std::uint32_t p = 0; p < w.entity_count(); ++p) {
    if (w.kind(p) != entity_kind::player) continue;
    ++players;
    visible += w.visible_count(p);
  }
  r.visible_per_player = players ? static_cast<double>(visible) / static_cast<double>(players) : 0;
  r.hash = w.hash();
  return r;
}

}  // namespace metronome::world::runner

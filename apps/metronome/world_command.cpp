#include "world_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cli_args.hpp"
#include "metronome/core/json_text.hpp"
#include "metronome/engine/seed.hpp"
#include "metronome/world/runner/scenarios.hpp"
#include "metronome/world/runner/thread_executor.hpp"
#include "metronome/world/world.hpp"
#include "world_command_durable.hpp"
#include "world_command_file.hpp"
#include "world_serve_command.hpp"
#include "world_shard_command.hpp"

namespace metronome::cli {
namespace {

constexpr std::int64_t u = world::units_per_world_unit;
constexpr std::int64_t max_cli_entities = 1'000'000;
constexpr std::int64_t max_cli_ticks = 1'000'000;

struct run_flags {
  world_flags world;
  std::string ticks, commands_file;
  bool positions = false, aoi = false, timing = false;
  durable_flags durable;
};

void flush_if_big(fmt::memory_buffer& out) {
  if (out.size() < (1u << 16)) return;
  std::fwrite(out.data(), 1, out.size(), stdout);
  out.clear();
}

}  // namespace

std::vector<world::command> read_world_commands(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(fmt::format("--commands: cannot read '{}'", path));
  constexpr std::size_t max_bytes = 64u << 20;
  std::string text;
  text.resize(max_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes) throw usage_error(fmt::format("--commands: '{}' is larger than 64 MiB", path));
  command_file f = parse_world_commands(text);
  if (!f.error.empty()) throw usage_error(fmt::format("--commands: {}: {}", path, f.error));
  return std::move(f.commands);
}

world::world_config world_config_of(const world_flags& f, world::population& pop, std::string_view shards_flag) {
  world::world_config c;
  const auto seed = engine::parse_seed(f.seed);
  if (!seed) throw usage_error("--seed: must not be empty");
  c.seed = *seed;
  pop.entities = static_cast<std::uint32_t>(parse_int("--entities", f.entities, 0, max_cli_entities));
  pop.players = static_cast<std::uint32_t>(parse_int("--players", f.players, 0, max_cli_entities));
  if (pop.players > pop.entities) {
    throw usage_error(fmt::format("--players ({}) must not exceed --entities ({})", pop.players, pop.entities));
  }
  const std::int64_t half = parse_int("--size", f.size, 1, world::max_half_world_units);
  c.half_size = static_cast<std::int32_t>(half * u);
  c.aoi_radius = static_cast<std::int32_t>(parse_int("--radius", f.radius, 1, 4 * half) * u);
  c.aoi_margin = static_cast<std::int32_t>(parse_int("--leave-margin", f.margin, 0, 255) * u);
  c.aoi_skin = std::min<std::int32_t>(40 * u, static_cast<std::int32_t>(65534 - c.aoi_margin));
  // Cells of 32 world units, larger in big worlds so that the grid stays within its cell budget.
  // (and no wider than the world).
  c.cell_size = static_cast<std::int32_t>(std::min(std::max<std::int64_t>(32 * u, (2 * half * u + 2047) / 2048 + 1), 2 * half * u + 1));
  const auto columns = (2 * std::int64_t{c.half_size} + c.cell_size) / c.cell_size;
  c.shards = static_cast<std::uint32_t>(parse_int(shards_flag, f.shards, 1, std::min<std::int64_t>(world::max_shards, columns)));
  if (auto error = world::validate(c, pop)) throw usage_error(*error);
  return c;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

void add_world_flags(CLI::App& cmd, world_flags& f) {
  cmd.add_option("--seed", f.seed, "World seed: a decimal unsigned 64-bit integer, or any other string (hashed)")->required();
  cmd.add_option("--entities", f.entities, "Entities, 0 to 1000000 (ids 0..N-1)")->required();
  cmd.add_option("--players", f.players, "The first P entities are players, the rest NPCs")->required();
  cmd.add_option("--size", f.size, "HALF: the world is [-HALF, HALF]^2 world units, 1 to 1000000")->required();
  cmd.add_option("--radius", f.radius, "Area-of-interest radius, world units")->required();
  cmd.add_option("--leave-margin", f.margin, "Leave only beyond radius + margin, world units, 0 to 255")->required();
}

namespace {

void run_world(const run_flags& f) {
  world::population pop;
  const world::world_config c = world_config_of(f.world, pop, "--shards");
  const std::int64_t ticks = parse_int("--ticks", f.ticks, 1, max_cli_ticks);
  std::vector<world::command> commands;
  if (!f.commands_file.empty()) commands = read_world_commands(f.commands_file);
  // Commands by tick; those for ticks the run never reaches are simply not applied.
  std::map<std::uint64_t, std::vector<world::command>> by_tick;
  for (auto& cmd : commands) by_tick[cmd.tick].push_back(std::move(cmd));

  // One thread per shard, but never more threads than cores: the shards of a
  // thread run one after another, with identical results.
  const std::uint32_t cores = std::max(1u, std::thread::hardware_concurrency());
  world::runner::thread_executor threads(std::min(c.shards, cores));
  // With --data-dir the world lives in the data dir and resumes where it stopped.
  std::string recovered;
  auto durable = f.durable.data_dir.empty() ? nullptr : open_durable_run(f.durable, c, pop, threads, recovered);
  std::optional<world::world> plain;
  if (!durable) plain.emplace(c, pop);
  const world::world& w = durable ? durable->state() : *plain;
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out),
                 R"({{"world":{{"seed":{},"unitsPerWorldUnit":{},"half":{},"radius":{},"leaveMargin":{},"entities":{},)"
                 R"("players":{},"shards":{},"ticks":{},"tickHz":{},"maxSpeed":{},"entityRadius":{},"cellSize":{}}}}})"
                 "\n",
                 c.seed, u, c.half_size, c.aoi_radius, c.aoi_margin, pop.entities, pop.players, c.shards, ticks, world::ticks_per_second,
                 c.max_speed, c.entity_radius, c.cell_size);
  out.append(recovered);
  const std::vector<world::command> none;
  std::vector<double> step_ms;
  for (auto t = static_cast<std::int64_t>(w.tick()) + 1; t <= ticks; ++t) {
    const auto it = by_tick.find(static_cast<std::uint64_t>(t));
    const auto& cmds = it == by_tick.end() ? none : it->second;
    const auto stepping = std::chrono::steady_clock::now();
    const auto& report = durable ? step_durable(*durable, cmds, threads) : plain->step(cmds, threads);
    if (f.timing) step_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - stepping).count());
    fmt::format_to(std::back_inserter(out),
                   R"({{"tick":{},"hash":"{:016x}"}})"
                   "\n",
                   t, w.hash());
    if (!report.rejections.empty()) {
      fmt::format_to(std::back_inserter(out), R"({{"tick":{},"rejected":[)", t);
      for (std::size_t i = 0; i < report.rejections.size(); ++i) {
        const auto& r = report.rejections[i];
        fmt::format_to(std::back_inserter(out), R"({}{{"player":{},"seq":{},"reason":"{}"}})", i ? "," : "", r.player, r.sequence,
                       world::reason_name(r.reason));
      }
      fmt::format_to(std::back_inserter(out), "]}}\n");
    }
    if (!report.joined.empty()) {
      fmt::format_to(std::back_inserter(out), R"({{"tick":{},"joined":[)", t);
      for (std::size_t i = 0; i < report.joined.size(); ++i) {
        std::string key;
        append_json_escaped(key, report.joined[i].key);
        fmt::format_to(std::back_inserter(out), R"({}{{"seq":{},"key":"{}","entity":{}}})", i ? "," : "", report.joined[i].sequence, key,
                       report.joined[i].entity);
      }
      fmt::format_to(std::back_inserter(out), "]}}\n");
    }
    if (!report.departed.empty()) {
      fmt::format_to(std::back_inserter(out),
                     R"({{"tick":{},"departed":[{}]}})"
                     "\n",
                     t, fmt::join(report.departed, ","));
    }
    if (f.positions) {
      for (std::uint32_t e = 0; e < w.entity_count(); ++e) {
        if (!w.alive(e)) continue;
        const world::vec2 p = w.position(e);
        fmt::format_to(std::back_inserter(out),
                       R"({{"tick":{},"id":{},"x":{},"y":{}}})"
                       "\n",
                       t, e, p.x, p.y);
        flush_if_big(out);
      }
    }
    if (f.aoi) {
      for (std::uint32_t p = 0; p < w.entity_count(); ++p) {
        if (!w.alive(p) || w.kind(p) != world::entity_kind::player) continue;
        fmt::format_to(std::back_inserter(out),
                       R"({{"tick":{},"player":{},"visible":[{}]}})"
                       "\n",
                       t, p, fmt::join(w.visible(p), ","));
        flush_if_big(out);
      }
    }
    flush_if_big(out);
  }
  if (f.timing && !step_ms.empty()) {
    fmt::format_to(std::back_inserter(out),
                   R"({{"timing":{{"ticks":{},"tickMs":{{"p50":{:.3f},"p99":{:.3f},"max":{:.3f}}}}}}})"
                   "\n",
                   step_ms.size(), percentile(step_ms, 0.5), percentile(step_ms, 0.99), percentile(step_ms, 1.0));
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void print_result(fmt::memory_buffer& out, const char* name, const world::runner::run_result& r) {
  auto stats = [&](const char* key, const world::runner::tick_stats& t) {
    fmt::format_to(std::back_inserter(out), R"("{}":{{"ticks":{},"p50_ms":{:.3f},"p99_ms":{:.3f},"max_ms":{:.3f},"mean_ms":{:.3f}}})", key,
                   t.ticks, t.p50_ms, t.p99_ms, t.max_ms, t.mean_ms);
  };
  fmt::format_to(std::back_inserter(out), R"({{"bench":"{}",)", name);
  stats("wall", r.tick);
  out.push_back(',');
  stats("cpu", r.cpu);
  fmt::format_to(std::back_inserter(out),
                 R"(,"updates_per_tick":{:.0f},"updates_per_second_per_core":{:.0f},"visible_per_player":{:.1f},)"
                 R"("entered_per_tick":{:.0f},"left_per_tick":{:.0f},"aoi_checks_per_tick":{:.0f},"aoi_rebuilds_per_tick":{:.1f},)"
                 R"("handovers_per_tick":{:.1f},"hash":"{:016x}"}})"
                 "\n",
                 r.moved_per_tick, r.updates_per_second_per_core, r.visible_per_player, r.entered_per_tick, r.left_per_tick,
                 r.checks_per_tick, r.rebuilds_per_tick, r.handovers_per_tick, r.hash);
}

void bench_world(const std::string& which, const std::string& ticks_text, const std::string& seed_text) {
  const auto ticks = static_cast<std::uint32_t>(parse_int("--ticks", ticks_text, 1, 100'000));
  const auto seed = static_cast<std::uint64_t>(parse_int("--seed", seed_text, 0, std::numeric_limits<std::int64_t>::max()));
  std::vector<world::runner::scenario> chosen;
  for (char k : which) {
    switch (k) {
      case 'a': chosen.push_back(world::runner::crowd(seed)); break;
      case 'b': chosen.push_back(world::runner::crowd(seed, 2)); break;
      case 'd': chosen.push_back(world::runner::hot_cell(seed)); break;
      case 'e': chosen.push_back(world::runner::large(seed, 2)); break;
      case ',': break;
      default: throw usage_error(fmt::format("--only: '{}' is not one of a, b, d, e", k));
    }
  }
  for (const auto& s : chosen) {
    world::world w = world::runner::make_world(s);
    world::runner::thread_executor threads(s.threads);
    const auto r = world::runner::run(s, w, threads, ticks, std::min<std::uint32_t>(ticks / 10 + 1, 20));
    fmt::memory_buffer out;
    print_result(out, s.name.c_str(), r);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }
}

}  // namespace

void add_world_command(CLI::App& app) {
  auto* world_cmd = app.add_subcommand("world", "The world: run or benchmark the core, serve it online, make tokens");
  world_cmd->require_subcommand(1);

  auto* run = world_cmd->add_subcommand("run", "Step a seeded world and print JSON lines (docs/world.md)");
  auto f = std::make_shared<run_flags>();
  add_world_flags(*run, f->world);
  run->add_option("--ticks", f->ticks, "Ticks to step, 1 to 1000000")->required();
  run->add_option("--shards", f->world.shards, "Shards (vertical strips), each stepped by its own thread")->capture_default_str();
  run->add_option("--commands", f->commands_file, "JSON-lines command file (docs/world.md)");
  run->add_flag("--positions", f->positions, "Print every entity's position every tick");
  run->add_flag("--aoi", f->aoi, "Print every player's visible set every tick");
  run->add_flag("--timing", f->timing, "Print the step time percentiles at the end (a timing line)");
  add_durable_run_options(*run, f->durable);
  run->callback([f] { run_world(*f); });
  add_world_replay_command(*world_cmd);
  add_world_durability_bench_command(*world_cmd);

  auto* bench = world_cmd->add_subcommand("bench", "Time the world benchmarks (issue 9 (a), (b), (d), (e)) as JSON lines");
  auto only = std::make_shared<std::string>("a,b,d,e");
  auto ticks = std::make_shared<std::string>("200");
  auto seed = std::make_shared<std::string>("1");
  bench->add_option("--only", *only, "Scenarios: a (10k players, one core), b (two shards), d (hot cell), e (100k entities)")
      ->capture_default_str();
  bench->add_option("--ticks", *ticks, "Timed ticks per scenario")->capture_default_str();
  bench->add_option("--seed", *seed, "World seed (decimal)")->capture_default_str();
  bench->callback([only, ticks, seed] { bench_world(*only, *ticks, *seed); });

  add_world_online_commands(*world_cmd);
  add_world_shard_commands(*world_cmd);
}

}  // namespace metronome::cli

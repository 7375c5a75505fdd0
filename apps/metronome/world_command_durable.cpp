#include "world_command_durable.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli_args.hpp"
#include "metronome/journal/record.hpp"
#include "metronome/journal/snapshot.hpp"
#include "metronome/world/players/open_player_store.hpp"
#include "metronome/world/runner/thread_executor.hpp"

namespace metronome::cli {

void add_durable_run_options(CLI::App& run, durable_flags& f) {
  run.add_option("--data-dir", f.data_dir,
                 "Run durably: event log and snapshots in DIR; a rerun resumes from the last logged tick up to --ticks");
  run.add_option("--snapshot-every", f.snapshot_every, "With --data-dir: ticks between snapshots, 1 to 1000000")->capture_default_str();
  run.add_option("--ticks-per-write", f.ticks_per_write, "With --data-dir: ticks gathered per log write (group commit), 1 to 1000")
      ->capture_default_str();
  run.add_flag("--no-fsync", f.no_fsync, "With --data-dir: do not fdatasync the log (kill -9 safe, power cut not)");
}

std::unique_ptr<world::durable::durable_world> open_durable_run(const durable_flags& f, const world::world_config& c, world::population pop,
                                                                world::executor& ex, std::string& recovered_line) {
  world::durable::durable_options o;
  o.dir = f.data_dir;
  o.snapshot_every = static_cast<std::uint64_t>(parse_int("--snapshot-every", f.snapshot_every, 1, 1'000'000));
  o.ticks_per_write = static_cast<std::uint32_t>(parse_int("--ticks-per-write", f.ticks_per_write, 1, 1000));
  o.fsync = !f.no_fsync;
  auto d = world::durable::durable_world::open(o, c, pop, ex);
  if (!d) throw std::runtime_error(fmt::format("--data-dir {}: {}", f.data_dir, d.error().message));
  const auto& r = (*d)->recovered();
  recovered_line = fmt::format(
      R"({{"recovered":{{"fresh":{},"snapshotTick":{},"replayedTicks":{},"tick":{},"skippedSnapshots":{},"droppedTailBytes":{},)"
      R"("tail":"{}","seconds":{:.6f},"hash":"{:016x}"}}}})"
      "\n",
      r.fresh, r.snapshot_tick, r.replayed_ticks, (*d)->state().tick(), r.skipped_snapshots, r.dropped_tail_bytes,
      journal::scan_stop_name(r.tail), r.seconds, (*d)->state().hash());
  return std::move(*d);
}

const world::step_report& step_durable(world::durable::durable_world& d, std::span<const world::command> commands, world::executor& ex) {
  auto r = d.step(commands, ex);
  if (!r) throw std::runtime_error(fmt::format("tick {}: {}", d.state().tick() + 1, r.error().message));
  return **r;
}

void add_world_replay_command(CLI::App& world_cmd) {
  auto* replay = world_cmd.add_subcommand("replay", "Rebuild tick T of a durable world from its snapshot and log, print its hash");
  auto dir = std::make_shared<std::string>();
  auto tick = std::make_shared<std::string>();
  replay->add_option("--data-dir", *dir, "The data dir of `world run --data-dir`")->required();
  replay->add_option("--tick", *tick, "The tick to rebuild")->required();
  replay->callback([dir, tick] {
    const auto t = static_cast<std::uint64_t>(parse_int("--tick", *tick, 0, std::numeric_limits<std::int64_t>::max()));
    if (!std::filesystem::is_directory(*dir)) throw usage_error(fmt::format("--data-dir: '{}' is not a directory", *dir));
    world::serial_executor serial;
    auto w = world::durable::replay(*dir, t, serial);
    if (!w) throw std::runtime_error(fmt::format("replay: {}", w.error().message));
    const std::string line = fmt::format(R"({{"tick":{},"hash":"{:016x}"}})"
                                         "\n",
                                         w->tick(), w->hash());
    std::fwrite(line.data(), 1, line.size(), stdout);
  });
}

namespace {

std::uintmax_t bytes_under(const std::filesystem::path& dir) {  // the files directly in dir
  std::uintmax_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.file_size();
  return n;
}

struct durability_bench_flags {
  std::string data_dir, entities = "10000", ticks = "1000", every = "10";
  std::string players_db;  // empty: DIR/players.db (SQLite)
  bool no_fsync = false;
};

void durability_bench(const durability_bench_flags& f) {
  namespace dur = world::durable;
  world::population pop;
  pop.entities = static_cast<std::uint32_t>(parse_int("--entities", f.entities, 1, 1'000'000));
  pop.players = pop.entities / 10;
  const auto ticks = static_cast<std::uint64_t>(parse_int("--ticks", f.ticks, 1, 100'000));
  const auto every = static_cast<std::uint64_t>(parse_int("--command-every", f.every, 1, 1000));
  if (std::filesystem::exists(f.data_dir) && !std::filesystem::is_empty(f.data_dir)) {
    throw usage_error(fmt::format("--data-dir: '{}' must be empty or absent", f.data_dir));
  }
  world::world_config c;
  c.seed = 1;
  c.half_size = 400 * world::units_per_world_unit;
  c.aoi_radius = 60 * world::units_per_world_unit;
  c.shards = 2;
  dur::durable_options o{.dir = f.data_dir, .snapshot_every = ticks + 1, .fsync = !f.no_fsync};
  world::runner::thread_executor threads(2);
  std::vector<double> step_ms;
  std::uint64_t commands = 0;
  double snapshot_ms = 0;
  {
    auto d = dur::durable_world::open(o, c, pop, threads);
    if (!d) throw std::runtime_error(d.error().message);
    std::vector<world::command> cmds;
    for (std::uint64_t t = 1; t <= ticks; ++t) {
      // Each player sends a velocity every `every` ticks, spread over the ticks.
      cmds.clear();
      for (std::uint32_t p = static_cast<std::uint32_t>(t % every); p < pop.players; p += static_cast<std::uint32_t>(every)) {
        cmds.push_back({.tick = t,
                        .player = p,
                        .sequence = t,
                        .entity = p,
                        .kind = world::command_kind::set_velocity,
                        .a = static_cast<std::int32_t>((t + p) % 41) - 20,
                        .b = 10});
      }
      commands += cmds.size();
      const auto t0 = std::chrono::steady_clock::now();
      step_durable(**d, cmds, threads);
      step_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (auto r = (*d)->snapshot(); !r) throw std::runtime_error(r.error().message);
    snapshot_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  const auto log_bytes = bytes_under(std::filesystem::path(f.data_dir) / "log");
  const auto snap_files = journal::list_snapshots(std::filesystem::path(f.data_dir) / "snapshots");
  if (!snap_files || snap_files->size() != 2) throw std::runtime_error("expected the tick-0 and the final snapshot");
  // Recovery from the tick-0 snapshot plus the whole log: drop the final snapshot first.
  const auto newest = std::filesystem::path(f.data_dir) / "snapshots" / fmt::format("{:020}.snap", snap_files->back());
  const auto snap_bytes = std::filesystem::file_size(newest);
  std::filesystem::remove(newest);
  auto d = dur::durable_world::open(o, c, pop, threads);
  if (!d) throw std::runtime_error(d.error().message);
  // Player records through the writer thread into the store (one record per player, 20 rounds).
  const std::string players_db = f.players_db.empty() ? (std::filesystem::path(f.data_dir) / "players.db").string() : f.players_db;
  auto store = world::players::open_player_store(players_db);
  if (!store) throw std::runtime_error(fmt::format("--players-db: {}", store.error().message));
  const auto records = std::size_t{pop.players} * 20;
  const auto w0 = std::chrono::steady_clock::now();
  {
    world::players::player_writer writer(std::shared_ptr<world::players::player_store>(std::move(*store)), {});
    for (std::size_t i = 0; i < records; ++i) {
      world::players::player_record r{.id = fmt::format("player-{}", i % pop.players),
                                      .display_name = "bench",
                                      .last_seen_ms = 1,
                                      .play_time_ms = static_cast<std::int64_t>(i)};
      while (!writer.submit(r)) std::this_thread::yield();  // bounded queue: wait for room
    }
    if (!writer.wait_written(std::chrono::minutes(5))) throw std::runtime_error("player records not written within 5 minutes");
  }
  const double player_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  std::sort(step_ms.begin(), step_ms.end());
  const auto pct = [&](double q) { return step_ms[static_cast<std::size_t>(q * static_cast<double>(step_ms.size() - 1))]; };
  const std::string line = fmt::format(
      R"({{"bench":"world durability","entities":{},"players":{},"ticks":{},"fsync":{},"commands_per_tick":{:.1f},)"
      R"("log_bytes_per_tick":{:.1f},"step_ms_p50":{:.3f},"step_ms_p99":{:.3f},"snapshot_bytes":{},"snapshot_ms":{:.2f},)"
      R"("recovery_seconds":{:.4f},"recovered_ticks":{},"recovered_hash":"{:016x}","player_store":"{}","player_writes_per_second":{:.0f}}})"
      "\n",
      pop.entities, pop.players, ticks, o.fsync, static_cast<double>(commands) / static_cast<double>(ticks),
      static_cast<double>(log_bytes) / static_cast<double>(ticks), pct(0.5), pct(0.99), snap_bytes, snapshot_ms, (*d)->recovered().seconds,
      (*d)->recovered().replayed_ticks, (*d)->state().hash(), world::players::names_postgresql(players_db) ? "postgresql" : "sqlite",
      static_cast<double>(records) / player_seconds);
  std::fwrite(line.data(), 1, line.size(), stdout);
}

}  // namespace

void add_world_durability_bench_command(CLI::App& world_cmd) {
  auto* b = world_cmd.add_subcommand("durability-bench", "Measure the durable world: log bytes per tick, tick time, recovery time");
  auto f = std::make_shared<durability_bench_flags>();
  b->add_option("--data-dir", f->data_dir, "An empty or absent directory to write into")->required();
  b->add_option("--entities", f->entities, "Entities (a tenth of them players)")->capture_default_str();
  b->add_option("--ticks", f->ticks, "Ticks logged, then replayed from the tick-0 snapshot")->capture_default_str();
  b->add_option("--command-every", f->every, "Each player sends one command every this many ticks")->capture_default_str();
  b->add_flag("--no-fsync", f->no_fsync, "Do not fdatasync the log");
  b->add_option("--players-db", f->players_db,
                "Player records: a SQLite file (default DIR/players.db) or a postgresql://user@host:port/db URL");
  b->callback([f] { durability_bench(*f); });
}

}  // namespace metronome::cli

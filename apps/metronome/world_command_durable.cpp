#include "world_command_durable.hpp"

#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

#include "cli_args.hpp"
#include "metronome/journal/record.hpp"
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

}  // namespace metronome::cli

#include "metronome/world/durable/durable_world.hpp"

#include <chrono>
#include <stdexcept>

#include "metronome/journal/snapshot.hpp"
#include "metronome/world/durable/command_log.hpp"
#include "metronome/world/snapshot.hpp"

namespace metronome::world::durable {
namespace {

std::filesystem::path snapshot_dir(const std::filesystem::path& dir) { return dir / "snapshots"; }
std::filesystem::path log_dir(const std::filesystem::path& dir) { return dir / "log"; }
std::filesystem::path genesis_dir(const std::filesystem::path& dir) { return dir / "genesis"; }

/// What the world was made from: config_bytes, then u32 entities and u32
/// players of the initial population, little-endian. Written once, when the
/// directory's world is created (as a snapshot file: whole or absent), and
/// compared at every later open: the world itself no longer shows its
/// population once players have joined and left.
std::string genesis_bytes(const world_config& config, population pop) {
  std::string out = config_bytes(config);
  for (const std::uint32_t v : {pop.entities, pop.players}) {
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xFFu));
  }
  return out;
}

result<world> restore(const journal::snapshot& s, const std::filesystem::path& dir) {
  try {
    world w = world::restore(s.payload);
    if (w.tick() != s.sequence) {
      return make_error(errc::internal,
                        "snapshot " + std::to_string(s.sequence) + " in " + dir.string() + " holds tick " + std::to_string(w.tick()));
    }
    return w;
  } catch (const std::invalid_argument& e) {
    return make_error(errc::internal, "snapshot " + std::to_string(s.sequence) + " in " + dir.string() + ": " + e.what());
  }
}

/// Steps `w` through the log records after its tick, up to `last` (inclusive).
result<std::uint64_t> replay_log(world& w, const std::filesystem::path& dir, std::uint64_t last, executor& ex,
                                 journal::log_report* report) {
  std::optional<metronome::error> failure;
  std::uint64_t replayed = 0;
  auto read = journal::read_log(log_dir(dir), w.tick() + 1, [&](std::uint64_t tick, std::string_view payload) {
    if (failure || tick > last) return;
    if (tick != w.tick() + 1) {
      failure = make_error(errc::internal, "log gap in " + dir.string() + ": tick " + std::to_string(w.tick() + 1) + " missing, next is " +
                                               std::to_string(tick));
      return;
    }
    auto commands = decode_commands(payload);
    if (!commands) {
      failure = make_error(errc::internal, "tick " + std::to_string(tick) + " in " + dir.string() + ": " + commands.error().message);
      return;
    }
    w.step(*commands, ex);
    ++replayed;
  });
  if (!read) return read.error();
  if (failure) return *failure;
  if (report != nullptr) *report = *read;
  return replayed;
}

}  // namespace

durable_world::durable_world(durable_options options, world w, std::unique_ptr<journal::log_writer> log)
    : options_(std::move(options)), world_(std::move(w)), log_(std::move(log)) {}

durable_world::~durable_world() = default;

result<std::unique_ptr<durable_world>> durable_world::open(durable_options options, const world_config& config, population pop) {
  serial_executor serial;
  return open(std::move(options), config, pop, serial);
}

result<std::unique_ptr<durable_world>> durable_world::open(durable_options options, const world_config& config, population pop,
                                                           executor& ex) {
  const auto started = std::chrono::steady_clock::now();
  if (options.snapshot_every == 0) return make_error(errc::invalid_argument, "snapshot_every must be at least 1");
  if (options.ticks_per_write == 0) return make_error(errc::invalid_argument, "ticks_per_write must be at least 1");
  if (auto error = validate(config, pop)) return make_error(errc::invalid_argument, *error);
  auto loaded = journal::load_newest_snapshot(snapshot_dir(options.dir));
  if (!loaded) return loaded.error();
  recovery_report rec;
  rec.skipped_snapshots = loaded->skipped;
  std::optional<world> w;
  if (loaded->newest) {
    auto r = restore(*loaded->newest, options.dir);
    if (!r) return r.error();
    w.emplace(std::move(*r));
    auto genesis = journal::load_newest_snapshot(genesis_dir(options.dir));
    if (!genesis) return genesis.error();
    // A directory from before the genesis file: its snapshot still tells the config.
    const bool same =
        genesis->newest ? genesis->newest->payload == genesis_bytes(config, pop) : config_bytes(w->config()) == config_bytes(config);
    if (!same) return make_error(errc::conflict, options.dir.string() + " holds a world with another config or population");
    if (!genesis->newest) {
      if (auto g = journal::write_snapshot(genesis_dir(options.dir), 0, genesis_bytes(config, pop), 1); !g) return g.error();
    }
    rec.snapshot_tick = w->tick();
  } else {
    w.emplace(config, pop);
    rec.fresh = true;
    if (auto r = journal::write_snapshot(genesis_dir(options.dir), 0, genesis_bytes(config, pop), 1); !r) return r.error();
  }
  journal::log_options lo{.dir = log_dir(options.dir),
                          .segment_bytes = options.segment_bytes,
                          .records_per_write = options.ticks_per_write,
                          .fsync = options.fsync};
  auto log = journal::log_writer::open(lo);
  if (!log) return log.error();
  rec.dropped_tail_bytes = (*log)->opened().dropped_tail_bytes;
  rec.tail = (*log)->opened().tail;
  auto replayed = replay_log(*w, options.dir, UINT64_MAX, ex, nullptr);
  if (!replayed) return replayed.error();
  rec.replayed_ticks = *replayed;
  std::unique_ptr<durable_world> d(new durable_world(std::move(options), std::move(*w), std::move(*log)));
  d->snapshot_tick_ = rec.snapshot_tick;
  if (rec.fresh) {
    if (auto r = d->snapshot(); !r) return r.error();
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  d->recovered_ = rec;
  return d;
}

result<const step_report*> durable_world::step(std::span<const command> commands) {
  serial_executor serial;
  return step(commands, serial);
}

template <class Step>
result<const step_report*> durable_world::logged_step(std::span<const command> commands, Step step) {
  const std::uint64_t tick = world_.tick() + 1;
  record_.clear();
  encode_commands(commands, record_);
  if (auto r = log_->append(tick, record_); !r) return r.error();
  const step_report& report = step();
  if (tick % options_.snapshot_every == 0) {
    if (auto r = snapshot(); !r) return r.error();
  }
  return &report;
}

result<const step_report*> durable_world::step(std::span<const command> commands, executor& ex) {
  return logged_step(commands, [&]() -> const step_report& { return world_.step(commands, ex); });
}

result<const step_report*> durable_world::step_shard(std::span<const command> commands, std::uint32_t self, shard_exchange& ex) {
  return logged_step(commands, [&]() -> const step_report& { return world_.step_shard(commands, self, ex); });
}

result<void> durable_world::flush() { return log_->flush(); }

result<void> durable_world::snapshot() {
  // The log first: a snapshot never runs ahead of the log it continues.
  if (auto r = log_->flush(); !r) return r;
  const std::uint64_t tick = world_.tick();
  if (auto r = journal::write_snapshot(snapshot_dir(options_.dir), tick, world_.save(), options_.keep_snapshots); !r) return r;
  snapshot_tick_ = tick;
  // Keep the log from the oldest kept snapshot on: replay reaches every tick
  // since, and a damaged newest snapshot still has an older one to fall back on.
  auto kept = journal::list_snapshots(snapshot_dir(options_.dir));
  if (!kept) return kept.error();
  if (auto r = log_->remove_segments_before(kept->front() + 1); !r) return r.error();
  return {};
}

result<world> replay(const std::filesystem::path& dir, std::uint64_t tick, executor& ex) {
  auto loaded = journal::load_newest_snapshot(snapshot_dir(dir), tick);
  if (!loaded) return loaded.error();
  if (!loaded->newest) return make_error(errc::not_found, "no snapshot in " + dir.string() + " at or before tick " + std::to_string(tick));
  auto w = restore(*loaded->newest, dir);
  if (!w) return w.error();
  journal::log_report report;
  auto replayed = replay_log(*w, dir, tick, ex, &report);
  if (!replayed) return replayed.error();
  if (w->tick() != tick) {
    return make_error(errc::not_found, "the log in " + dir.string() + " ends at tick " + std::to_string(w->tick()) + ", before tick " +
                                           std::to_string(tick));
  }
  return std::move(*w);
}

}  // namespace metronome::world::durable

#include "world_shard_command.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli_args.hpp"
#include "metronome/world/shardnet/driver.hpp"
#include "metronome/world/shardnet/messages.hpp"
#include "metronome/world/shardnet/shard_node.hpp"
#include "world_command.hpp"
#include "world_command_durable.hpp"

namespace metronome::cli {
namespace {

struct net_flags {
  std::string nats, world_name, deadline_ms = "2000", connect_timeout_ms = "2000";
};

void add_net_flags(CLI::App& cmd, net_flags& f) {
  cmd.add_option("--nats", f.nats, "NATS server URL, nats://HOST:PORT");
  cmd.add_option("--world", f.world_name, "The world's name on NATS (subjects world.NAME.*): 1 to 64 of A-Z a-z 0-9 _ -");
  cmd.add_option("--deadline-ms", f.deadline_ms, "A tick barrier wait longer than this is reported")->capture_default_str();
  cmd.add_option("--connect-timeout-ms", f.connect_timeout_ms, "Connecting to NATS gives up after this")->capture_default_str();
}

/// Checks the flags and connects (usage_error, exit 2, when NATS does not answer).
std::unique_ptr<world::shardnet::nats_bus> connect(const net_flags& f, std::chrono::milliseconds& deadline) {
  if (f.nats.empty()) throw usage_error("--nats is required (nats://HOST:PORT)");
  if (!world::shardnet::valid_world_name(f.world_name)) throw usage_error("--world: 1 to 64 of A-Z a-z 0-9 _ - (is required)");
  deadline = std::chrono::milliseconds(parse_int("--deadline-ms", f.deadline_ms, 1, 3'600'000));
  const auto timeout = std::chrono::milliseconds(parse_int("--connect-timeout-ms", f.connect_timeout_ms, 1, 600'000));
  auto bus = world::shardnet::nats_bus::connect(f.nats, timeout);
  if (!bus) throw usage_error(fmt::format("--nats: {}", bus.error().message));
  return std::move(*bus);
}

struct shard_flags {
  world_flags world;
  std::string index, of;
  net_flags net;
  durable_flags durable;
};

void run_shard(const shard_flags& f) {
  const auto of = parse_int("--of", f.of, 1, world::max_shards);
  const auto index = parse_int("--index", f.index, 0, world::max_shards);
  if (index >= of) throw usage_error(fmt::format("--index ({}) must be below --of ({})", index, of));
  world::shardnet::shard_options o;
  world_flags wf = f.world;
  wf.shards = f.of;
  o.config = world_config_of(wf, o.pop, "--of");
  o.index = static_cast<std::uint32_t>(index);
  o.world_name = f.net.world_name;
  if (!f.durable.data_dir.empty()) {
    world::durable::durable_options d;
    d.dir = f.durable.data_dir;
    d.snapshot_every = static_cast<std::uint64_t>(parse_int("--snapshot-every", f.durable.snapshot_every, 1, 1'000'000'000));
    d.ticks_per_write = static_cast<std::uint32_t>(parse_int("--ticks-per-write", f.durable.ticks_per_write, 1, 1'000'000));
    d.fsync = !f.durable.no_fsync;
    o.durable = d;
  }
  auto bus = connect(f.net, o.deadline);
  auto r = world::shardnet::run_shard(o, *bus, [&o](const world::shardnet::shard_start& s) {
    std::printf(R"({"shard":{"index":%u,"of":%u,"tick":%llu,"fresh":%s,"replayedTicks":%llu}})"
                "\n",
                o.index, o.config.shards, static_cast<unsigned long long>(s.tick), s.fresh ? "true" : "false",
                static_cast<unsigned long long>(s.replayed_ticks));
    std::fflush(stdout);
  });
  if (!r) throw std::runtime_error(r.error().message);
}

struct drive_flags {
  std::string shards, ticks, commands_file, start_timeout_ms = "30000";
  bool stop_shards = false;
  net_flags net;
};

void run_drive(const drive_flags& f) {
  world::shardnet::drive_options o;
  o.shards = static_cast<std::uint32_t>(parse_int("--shard-processes", f.shards, 1, world::max_shards));
  o.ticks = static_cast<std::uint64_t>(parse_int("--ticks", f.ticks, 1, 1'000'000));
  o.start_timeout = std::chrono::milliseconds(parse_int("--start-timeout-ms", f.start_timeout_ms, 1, 3'600'000));
  o.stop_shards = f.stop_shards;
  o.world_name = f.net.world_name;
  std::map<std::uint64_t, std::vector<world::command>> by_tick;
  if (!f.commands_file.empty()) {
    for (auto& cmd : read_world_commands(f.commands_file)) by_tick[cmd.tick].push_back(std::move(cmd));
  }
  auto bus = connect(f.net, o.deadline);
  std::vector<double> wall, compute, wait;
  world::shardnet::drive_hooks hooks;
  hooks.on_tick = [&](const world::shardnet::tick_result& t) {
    std::printf(R"({"tick":%llu,"hash":"%016llx"})"
                "\n",
                static_cast<unsigned long long>(t.tick), static_cast<unsigned long long>(t.hash));
    std::fflush(stdout);  // a tick line is out when its tick is done (tests follow the run by it)
    wall.push_back(t.wall_ms);
    compute.push_back(*std::max_element(t.compute_ms.begin(), t.compute_ms.end()));
    wait.insert(wait.end(), t.wait_ms.begin(), t.wait_ms.end());
  };
  hooks.on_miss = [](std::uint64_t tick, std::uint32_t shard, std::chrono::milliseconds waited) {
    std::printf(R"({"tick":%llu,"missedDeadline":{"shard":%u,"waitedMs":%lld}})"
                "\n",
                static_cast<unsigned long long>(tick), shard, static_cast<long long>(waited.count()));
    std::fflush(stdout);
  };
  hooks.on_hello = [](std::uint32_t shard, std::uint64_t at) {
    std::fprintf(stderr, "metronome: world drive: shard %u (re)started at tick %llu; sending its tick again\n", shard,
                 static_cast<unsigned long long>(at));
  };
  auto r = world::shardnet::drive(o, *bus, by_tick, hooks);
  if (!r) throw std::runtime_error(r.error().message);
  const double ticks = static_cast<double>(std::max<std::uint64_t>(1, r->ticks));
  std::printf(
      R"({"drive":{"shards":%u,"firstTick":%llu,"ticks":%llu,"deadlineMs":%lld,"deadlineMisses":%llu,"hellos":%llu,)"
      R"("tickMs":{"p50":%.3f,"p99":%.3f,"max":%.3f},"shardComputeMs":{"p50":%.3f,"p99":%.3f},"shardWaitMs":{"p50":%.3f,"p99":%.3f},)"
      R"("shardNatsMsgsPerTick":%.1f,"shardNatsBytesPerTick":%.0f}})"
      "\n",
      o.shards, static_cast<unsigned long long>(r->first_tick), static_cast<unsigned long long>(r->ticks),
      static_cast<long long>(o.deadline.count()), static_cast<unsigned long long>(r->deadline_misses),
      static_cast<unsigned long long>(r->hellos), percentile(wall, 0.5), percentile(wall, 0.99), percentile(wall, 1.0),
      percentile(compute, 0.5), percentile(compute, 0.99), percentile(wait, 0.5), percentile(wait, 0.99),
      static_cast<double>(r->shard_msgs_out) / ticks, static_cast<double>(r->shard_bytes_out) / ticks);
}

}  // namespace

void add_world_shard_commands(CLI::App& world_cmd) {
  auto* shard = world_cmd.add_subcommand("shard", "Run shard I of K of a world as this process, over NATS (docs/world.md)");
  auto s = std::make_shared<shard_flags>();
  shard->add_option("--index", s->index, "This shard, 0 to K-1")->required();
  shard->add_option("--of", s->of, "K: the world's shard count (vertical strips)")->required();
  add_world_flags(*shard, s->world);
  add_net_flags(*shard, s->net);
  add_durable_run_options(*shard, s->durable);
  shard->callback([s] { run_shard(*s); });

  auto* drive = world_cmd.add_subcommand("drive", "Step a world of shard processes over NATS: the tick barrier (docs/world.md)");
  auto d = std::make_shared<drive_flags>();
  drive->add_option("--shard-processes", d->shards, "K: the shard processes to wait for")->required();
  drive->add_option("--ticks", d->ticks, "Step up to this tick, 1 to 1000000")->required();
  drive->add_option("--commands", d->commands_file, "JSON-lines command file (as world run)");
  drive->add_option("--start-timeout-ms", d->start_timeout_ms, "Wait this long for every shard's hello")->capture_default_str();
  drive->add_flag("--stop-shards", d->stop_shards, "Tell the shards to snapshot and exit at the end");
  add_net_flags(*drive, d->net);
  drive->callback([d] { run_drive(*d); });
}

}  // namespace metronome::cli

// One world shard as its own process (`metronome world shard`; docs/world.md,
// "Shards as processes"). It holds a replica of the whole world, steps each
// tick the driver publishes as its shard (world::step_shard) with the other
// shards' phase outputs coming over NATS, and reports "done" with the world
// hash. With a data directory the replica is a durable world: killed and
// started again, it recovers from its snapshot and log, says hello, and
// catches up to the tick the driver is waiting for (re-stepping that tick
// from the log when it had logged it, so that its peers get its outputs
// again). On the tick thread only: no threads of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "metronome/core/result.hpp"
#include "metronome/world/config.hpp"
#include "metronome/world/durable/durable_world.hpp"
#include "metronome/world/shardnet/nats_bus.hpp"

namespace metronome::world::shardnet {

struct shard_options {
  std::uint32_t index = 0;  ///< This shard; config.shards is the count.
  std::string world_name;   ///< valid_world_name
  world_config config;
  population pop;
  std::optional<durable::durable_options> durable;  ///< nullopt: in memory (a restart starts over)
  std::chrono::milliseconds deadline{2000};         ///< A wait on peers longer than this is logged.
};

/// What the shard's replica recovered (printed by the command).
struct shard_start {
  std::uint64_t tick = 0;
  std::uint64_t replayed_ticks = 0;
  bool fresh = true;
};

/// Runs the shard until a stop message; the recovery report goes to `started`
/// before the first message is read. Errors: a durable world that cannot be
/// opened or logged, a malformed peer output applied, a world that ran ahead
/// of what this shard can catch up with.
result<void> run_shard(const shard_options& o, nats_bus& bus, const std::function<void(const shard_start&)>& started);

}  // namespace metronome::world::shardnet

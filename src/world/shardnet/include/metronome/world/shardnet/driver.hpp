// The driver of a world whose shards are processes (`metronome world drive`;
// docs/world.md, "Shards as processes"): it publishes each tick's commands,
// waits at the tick barrier until every shard reported that tick done, checks
// that they agree on the world hash and reports it. A shard later than the
// deadline is reported (on_miss, once per shard and tick, and counted),
// never skipped: the world waits for it. A shard that says hello meanwhile
// (restarted) gets the tick's batch again.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/world/command.hpp"
#include "metronome/world/shardnet/nats_bus.hpp"

namespace metronome::world::shardnet {

struct drive_options {
  std::uint32_t shards = 2;
  std::string world_name;
  std::uint64_t ticks = 0;                         ///< Drive up to this tick.
  std::chrono::milliseconds deadline{2000};        ///< Per tick.
  std::chrono::milliseconds start_timeout{30000};  ///< For every shard's first hello.
  bool stop_shards = false;                        ///< Send stop at the end.
};

struct tick_result {
  std::uint64_t tick = 0, hash = 0;
  double wall_ms = 0;                       ///< Publish to the last done.
  std::vector<double> compute_ms, wait_ms;  ///< Per shard, as it reported.
};

struct drive_totals {
  std::uint64_t first_tick = 0, ticks = 0, deadline_misses = 0, hellos = 0;
  std::uint64_t shard_msgs_out = 0, shard_bytes_out = 0;  ///< Over the driven ticks, all shards.
  std::uint64_t driver_msgs_out = 0, driver_bytes_out = 0;
};

struct drive_hooks {
  std::function<void(const tick_result&)> on_tick;
  std::function<void(std::uint64_t tick, std::uint32_t shard, std::chrono::milliseconds waited)> on_miss;
  std::function<void(std::uint32_t shard, std::uint64_t at)> on_hello;  ///< a shard (re)started
};

/// Drives from the tick after the one the shards hold to `o.ticks`.
/// `commands` by tick. Errors: shards missing at the start, shards that
/// disagree on the hash, shards too far apart to catch up, NATS failures.
result<drive_totals> drive(const drive_options& o, nats_bus& bus, const std::map<std::uint64_t, std::vector<command>>& commands,
                           const drive_hooks& hooks);

}  // namespace metronome::world::shardnet

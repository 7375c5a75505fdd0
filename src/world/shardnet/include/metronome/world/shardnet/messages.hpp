// The messages of world shards over NATS besides the shard outputs (those are
// the core's, shard_exchange.hpp), and their subjects (docs/world.md,
// "Shards as processes"). Little-endian, each starting with a 4-byte magic:
//   batch  "MTTK" u64 tick, then the tick's commands (command_log.hpp)
//   done   "MTDN" u64 tick, u32 shard, u64 hash, u64 compute ns, u64 wait ns,
//          u64 messages out, u64 bytes out (the shard's NATS totals so far)
//   hello  "MTHI" u32 shard, u32 shards, u64 tick (the last tick it holds)
// Subjects, NAME being the world's name:
//   world.NAME.tick  driver -> shards: a batch; also empty: ping (say hello)
//   world.NAME.out   shard -> shards: a shard output
//   world.NAME.ctl   shard -> driver and shards: done, hello
//   world.NAME.stop  driver -> shards: flush, snapshot, exit
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/world/command.hpp"

namespace metronome::world::shardnet {

struct subjects {
  std::string tick, out, ctl, stop, all;  // all: world.NAME.* (what a shard subscribes to)
  explicit subjects(std::string_view name);
};

/// Whether `name` can name a world on NATS: 1 to 64 of [A-Za-z0-9_-].
bool valid_world_name(std::string_view name) noexcept;

struct batch {
  std::uint64_t tick = 0;
  std::vector<command> commands;
};

struct done {
  std::uint64_t tick = 0;
  std::uint32_t shard = 0;
  std::uint64_t hash = 0, compute_ns = 0, wait_ns = 0, msgs_out = 0, bytes_out = 0;
};

struct hello {
  std::uint32_t shard = 0, shards = 0;
  std::uint64_t tick = 0;
};

std::string encode(const batch& b);
std::string encode(const done& d);
std::string encode(const hello& h);

/// Each refuses (invalid_argument, naming the defect) anything its encode
/// cannot have written; never reads past `bytes` (tests/fuzz/fuzz_shard_messages.cpp).
result<batch> decode_batch(std::string_view bytes);
result<done> decode_done(std::string_view bytes);
result<hello> decode_hello(std::string_view bytes);

}  // namespace metronome::world::shardnet

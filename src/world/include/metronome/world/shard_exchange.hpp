// Partitioned stepping: one process computes one shard (docs/world.md,
// "Shards as processes"). Every replica applies the tick's commands itself
// (step 1 is serial and deterministic); in the move and settle phases it
// computes only its own strip, then hands what it wrote that the others read
// to a shard_exchange and imports what the others wrote. The core stays pure:
// the exchange is an interface (the NATS one is metronome::world_shardnet),
// and the bytes are made and checked here.
//
// A shard output (little-endian): u8 phase (1 move, 2 settle), u64 tick,
// u32 sender shard, u32 shard count, then the phase's body:
//   move:   u32 n, then per entity the sender holds in the first or last
//           column of its strip (the neighbours' ghosts) or whose motion the
//           move phase changed, ascending ids:
//           u32 id, i32 tentative x, y, i32 vx, vy, u8 mode, i32 target x, y, i32 speed
//   settle: u32 n, then per entity that moved, ascending: u32 id, i32 x, y (its
//           committed position); u32 v, then per player handed over to another
//           shard, ascending: u32 id, u8 built, i64 base, u32 limit,
//           u32 visible, u32 entries, u32 entry... (its view, which the new
//           holder continues)
// What a replica derives itself (the moved flags, the hand-overs and the grid
// of every strip, the reach clock) it is not sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace metronome::world {

enum class shard_phase : std::uint8_t { move = 1, settle = 2 };

/// The fixed part of every shard output.
struct shard_output_header {
  shard_phase phase = shard_phase::move;
  std::uint64_t tick = 0;
  std::uint32_t shard = 0, shards = 0;
};
inline constexpr std::size_t shard_output_header_bytes = 1 + 8 + 4 + 4;

/// The header of a shard output, or nullopt when `bytes` cannot be one
/// (short, or a phase that is not move or settle). Checks nothing else.
std::optional<shard_output_header> peek_shard_output(std::string_view bytes) noexcept;

class shard_exchange {
 public:
  virtual ~shard_exchange() = default;
  /// Gives every other shard `mine` (this shard's output of `phase` of
  /// `tick`) and returns theirs of the same phase and tick: one from each
  /// other shard, in any order. Blocks until it has them all (the barrier of
  /// the phase). Throwing aborts the step: the world is then unusable.
  virtual std::vector<std::string> exchange(std::uint64_t tick, shard_phase phase, const std::string& mine) = 0;
};

}  // namespace metronome::world

// The codec of a shard's phase output (format in ../shard_exchange.hpp):
// made from and checked against the replica's state; applied by world.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/world/detail/world_state.hpp"
#include "metronome/world/shard_exchange.hpp"

namespace metronome::world::detail {

struct moved_entity {  // a move-phase result of one held entity
  std::uint32_t id = 0;
  vec2 tentative, vel, target;
  motion mode = motion::velocity;
  std::int32_t speed = 0;
};

struct committed_entity {  // a settled position that differs from the last one
  std::uint32_t id = 0;
  vec2 pos;
};

struct handed_view {  // the view of a player leaving the sender's strip
  std::uint32_t id = 0;
  interest view;
};

struct shard_output {
  shard_output_header header;
  std::vector<moved_entity> moved;          // move
  std::vector<committed_entity> committed;  // settle
  std::vector<handed_view> views;           // settle
};

/// Shard `self`'s move output, as move_phase left it: the entities it holds
/// in its strip's border columns, and those whose motion changed from s.prior.
std::string encode_move_output(const world_state& w, std::uint32_t self);
/// Shard `self`'s settle output (after settle_phase): the entities whose
/// position changed and the views of the players in its outboxes; those
/// views and event lists are then emptied here (their new holder continues them).
std::string encode_settle_output(world_state& w, std::uint32_t self);

/// Decodes another shard's output for phase `phase` of tick `tick` against the
/// state before it is applied (the sender must hold every entity it names).
/// Throws std::invalid_argument ("shard output: ...") on any defect; never
/// reads past `bytes`.
shard_output decode_shard_output(const world_state& w, std::string_view bytes, shard_phase phase, std::uint64_t tick, std::uint32_t self);

}  // namespace metronome::world::detail

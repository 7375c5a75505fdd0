// The world's state as bytes: world::save() encodes everything that decides
// the world's future, world::restore() decodes it back (docs/world.md,
// "Durability"). A restored world steps exactly like the saved one: the same
// hash, views, entered/left lists and rejection counters at every later tick.
//
// Format, little-endian, version 1 (snapshot_version):
//   "MTWORLD\0", u32 version, the config (config_bytes), u32 entity count,
//   u64 tick, i64 reach clock, the rejection counters, then per id its alive
//   flag, kind, owner, position, velocity, target, speed, motion mode, moved
//   flag, last accepted sequence and join key, then per live player
//   (ascending id) its view
//   (built flag, base, limit, visible count, tracked entries) and its entered
//   and left lists of the last step. Nothing may follow.
// Decoding checks every field against the config and the entity count (ids,
// enums, speeds, positions inside the world, sorted event lists, counts that
// agree, keys unique, free ids without owner or key) and refuses anything else with std::invalid_argument naming what is
// wrong; it reads no byte past the input and allocates in proportion to it
// (fuzzed by tests/fuzz/fuzz_world_snapshot.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "metronome/world/config.hpp"

namespace metronome::world {

inline constexpr std::uint32_t snapshot_version = 1;

/// The config's encoding inside a snapshot; equal bytes = the same world rules.
std::string config_bytes(const world_config& config);

}  // namespace metronome::world

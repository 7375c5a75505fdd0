// Seeds: unsigned 64-bit integers, or strings hashed to 64 bits.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace metronome::engine {

/// mix64(fnv1a64(bytes)): FNV-1a 64 over the bytes, then the SplitMix64
/// finalizer so that similar strings give unrelated seeds. docs/engine.md.
std::uint64_t hash_seed_string(std::string_view bytes) noexcept;

/// A seed as people type it: a string of 1 to 20 ASCII digits whose value is
/// at most 2^64 - 1 is that number (leading zeros allowed); any other
/// non-empty string is hashed with hash_seed_string. Empty gives nullopt.
std::optional<std::uint64_t> parse_seed(std::string_view text) noexcept;

}  // namespace metronome::engine

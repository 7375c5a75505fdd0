// The lcg-counter rule (seed 000): a step breaks when
// (1664525 * x + 1013904223) mod 2^32 is a multiple of q, x = (seed XOR step) mod 2^32.
//
// Counting breaks up to a step in O(log) is what makes `round` cheap: the map
// x -> a*x + c mod 2^32 is a bijection (a is odd), so the breaks among the
// inputs x of an aligned block are the j < ceil(2^32/q) whose preimage
// a^-1 * (q*j - c) falls in the block, a count given by floor sums.
// docs/engine.md derives it.
#pragma once

#include <cstdint>

namespace metronome::engine::detail {

inline constexpr std::uint32_t lcg_multiplier = 1664525u;
inline constexpr std::uint32_t lcg_increment = 1013904223u;

/// deterministicRNG(seed, step) of seed 000.
constexpr std::uint32_t lcg_rng(std::uint64_t seed, std::int64_t step) noexcept {
  const auto x = static_cast<std::uint32_t>(seed) ^ static_cast<std::uint32_t>(step);
  return lcg_multiplier * x + lcg_increment;  // unsigned: wraps mod 2^32
}

constexpr bool lcg_breaks(std::uint64_t seed, std::uint32_t q, std::int64_t step) noexcept { return lcg_rng(seed, step) % q == 0; }

/// sum_{i=0}^{n-1} floor((a*i + b) / m), by the Euclid-like reduction.
/// Exact for n <= 2^31, m <= 2^32, a < 2^32, b < 2^33 (the engine's use).
std::uint64_t floor_sum(std::uint64_t n, std::uint64_t m, std::uint64_t a, std::uint64_t b) noexcept;

/// Number of break steps in [0, step], for step >= -1.
std::int64_t lcg_count_breaks(std::uint64_t seed, std::uint32_t q, std::int64_t step) noexcept;

/// The largest break step <= step, or -1 when there is none (step >= 0).
std::int64_t lcg_last_break(std::uint64_t seed, std::uint32_t q, std::int64_t step) noexcept;

}  // namespace metronome::engine::detail

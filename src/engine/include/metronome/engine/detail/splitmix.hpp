// SplitMix64 (Steele, Lea, Flood 2014), used as a counter-based generator:
// output n of the stream keyed by `key` is mix64(key + n * golden_gamma).
#pragma once

#include <cstdint>

namespace metronome::engine::detail {

inline constexpr std::uint64_t golden_gamma = 0x9E3779B97F4A7C15ULL;

/// The SplitMix64 finalizer (variant 13 of Stafford's mixers).
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// Output number n (n >= 1) of SplitMix64 seeded with `key`.
constexpr std::uint64_t splitmix64_at(std::uint64_t key, std::uint64_t n) noexcept { return mix64(key + n * golden_gamma); }

/// The high 64 bits of the 128-bit product x * y, from 32-bit halves (portable,
/// and the same steps the TypeScript port takes with BigInt).
constexpr std::uint64_t mul_high64(std::uint64_t x, std::uint64_t y) noexcept {
  const std::uint64_t x_lo = x & 0xFFFFFFFFu, x_hi = x >> 32;
  const std::uint64_t y_lo = y & 0xFFFFFFFFu, y_hi = y >> 32;
  const std::uint64_t lo_lo = x_lo * y_lo;
  const std::uint64_t hi_lo = x_hi * y_lo;
  const std::uint64_t lo_hi = x_lo * y_hi;
  const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
  return x_hi * y_hi + (hi_lo >> 32) + (cross >> 32);
}

/// floor(x * bound / 2^64): maps a uniform 64-bit value to [0, bound).
constexpr std::uint64_t scale_to(std::uint64_t x, std::uint64_t bound) noexcept { return mul_high64(x, bound); }

}  // namespace metronome::engine::detail

// Fixed-point geometry of the world: every coordinate, velocity and distance
// in the simulated state is an integer in fixed-point units, so every machine
// and every shard count computes the same bits. No floating point here.
#pragma once

#include <cstdint>

namespace metronome::world {

/// Fixed-point units per world unit (a world unit is "one metre").
inline constexpr std::int32_t units_per_world_unit = 256;

/// The largest half size of a world, in world units: positions then fit an
/// int32 and squared distances an int64 with room to spare.
inline constexpr std::int32_t max_half_world_units = 1'000'000;

/// A position or a displacement, in fixed-point units.
struct vec2 {
  std::int32_t x = 0;
  std::int32_t y = 0;
  friend constexpr bool operator==(vec2, vec2) = default;
};

/// Squared Euclidean distance in fixed-point units, exact in 64 bits.
constexpr std::int64_t distance2(vec2 a, vec2 b) noexcept {
  const std::int64_t dx = std::int64_t{a.x} - b.x;
  const std::int64_t dy = std::int64_t{a.y} - b.y;
  return dx * dx + dy * dy;
}

/// floor(sqrt(v)) for v >= 0, exact, integers only (bit-by-bit method).
constexpr std::int64_t isqrt(std::int64_t v) noexcept {
  if (v <= 0) return 0;
  auto n = static_cast<std::uint64_t>(v);
  std::uint64_t root = 0;
  std::uint64_t bit = std::uint64_t{1} << 62;
  while (bit > n) bit >>= 2;
  while (bit != 0) {
    if (n >= root + bit) {
      n -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return static_cast<std::int64_t>(root);
}

/// |v| without overflow (also for INT32_MIN).
constexpr std::int64_t abs32(std::int32_t v) noexcept { return v < 0 ? -std::int64_t{v} : std::int64_t{v}; }

/// An axis-aligned box, inclusive bounds, in fixed-point units.
struct aabb {
  vec2 min;
  vec2 max;
  friend constexpr bool operator==(const aabb&, const aabb&) = default;
};

}  // namespace metronome::world

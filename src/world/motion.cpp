// Movement rules: seeded placement, NPC wander, move-to, walls and obstacles.
#include <algorithm>

#include "metronome/engine/detail/splitmix.hpp"
#include "metronome/world/detail/world_state.hpp"

namespace metronome::world::detail {
namespace {

using engine::detail::mix64;
using engine::detail::scale_to;

constexpr std::uint64_t place_tag = 0x706C616365ULL;     // "place"
constexpr std::uint64_t wander_tag = 0x77616E646572ULL;  // "wander"

/// Draw number n of the stream (seed, tag, id): counter-based, so any draw of
/// any entity is computed alone, in any order, on any shard.
std::uint64_t draw(std::uint64_t seed, std::uint64_t tag, std::uint32_t id, std::uint64_t n) noexcept {
  return engine::detail::splitmix64_at(mix64(seed ^ tag) ^ mix64(id), n + 1);
}

/// An integer in [lo, hi].
std::int32_t uniform(std::uint64_t r, std::int32_t lo, std::int32_t hi) noexcept {
  const auto span = static_cast<std::uint64_t>(std::int64_t{hi} - lo + 1);
  return static_cast<std::int32_t>(lo + static_cast<std::int64_t>(scale_to(r, span)));
}

bool blocked(const world_config& c, vec2 p) noexcept {
  return std::any_of(c.obstacles.begin(), c.obstacles.end(), [&](const aabb& b) { return push_out_of(b, p, c.entity_radius) != p; });
}

}  // namespace

vec2 random_velocity(std::uint64_t seed, std::uint32_t id, std::uint64_t tick, std::int32_t speed) noexcept {
  if (speed <= 0) return {};
  const std::uint64_t r = draw(seed, wander_tag, id, tick);
  const std::int32_t vx = uniform(r, -speed, speed);
  const auto vy = static_cast<std::int32_t>(isqrt(std::int64_t{speed} * speed - std::int64_t{vx} * vx));
  return {vx, (mix64(r) & 1) ? vy : -vy};
}

vec2 push_out_of(const aabb& box, vec2 c, std::int32_t radius) noexcept {
  const vec2 q{std::clamp(c.x, box.min.x, box.max.x), std::clamp(c.y, box.min.y, box.max.y)};
  if (q == c) {  // centre inside: leave through the nearest face (ties: left, right, bottom, top)
    const std::int64_t left = std::int64_t{c.x} - box.min.x, right = std::int64_t{box.max.x} - c.x;
    const std::int64_t down = std::int64_t{c.y} - box.min.y, up = std::int64_t{box.max.y} - c.y;
    const std::int64_t best = std::min({left, right, down, up});
    if (best == left) return {box.min.x - radius - 1, c.y};
    if (best == right) return {box.max.x + radius + 1, c.y};
    if (best == down) return {c.x, box.min.y - radius - 1};
    return {c.x, box.max.y + radius + 1};
  }
  const std::int64_t d2 = distance2(c, q);
  const std::int64_t r = radius;
  if (d2 >= r * r) return c;
  const std::int64_t d = std::max<std::int64_t>(isqrt(d2), 1);
  const std::int64_t dx = std::int64_t{c.x} - q.x, dy = std::int64_t{c.y} - q.y;
  return {static_cast<std::int32_t>(q.x + dx * (r + 1) / d), static_cast<std::int32_t>(q.y + dy * (r + 1) / d)};
}

void populate(world_state& w, population pop) {
  const world_config& c = w.config;
  const std::int32_t lim = c.half_size - c.entity_radius;
  for (std::uint32_t id = 0; id < pop.entities; ++id) {
    vec2 p;
    for (std::uint64_t attempt = 0; attempt < 64; ++attempt) {
      p = {uniform(draw(c.seed, place_tag, id, 2 * attempt), -lim, lim), uniform(draw(c.seed, place_tag, id, 2 * attempt + 1), -lim, lim)};
      if (!blocked(c, p)) break;
    }
    w.pos[id] = p;
    w.kind[id] = id < pop.players ? entity_kind::player : entity_kind::npc;
    w.owner[id] = id < pop.players ? id : no_owner;
    w.vel[id] = random_velocity(c.seed, id, 0, c.max_speed);
  }
}

}  // namespace metronome::world::detail

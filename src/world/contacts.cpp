#include "metronome/world/detail/contacts.hpp"

#include <algorithm>
#include <bit>

namespace metronome::world::detail {

vec2 contact_push(std::uint32_t self, vec2 a, std::uint32_t other, vec2 b, std::int32_t diameter) noexcept {
  const std::int64_t d2 = distance2(a, b);
  const std::int64_t dia = diameter;
  if (d2 >= dia * dia || self == other) return {};
  const std::int64_t d = isqrt(d2);
  const std::int64_t half_overlap = (dia - d + 1) / 2;
  if (d == 0) {  // same spot: the lower id goes left, the higher right
    const auto h = static_cast<std::int32_t>((dia + 1) / 2);
    return {self < other ? -h : h, 0};
  }
  // Truncation toward zero keeps push(a, b) == -push(b, a) bit for bit.
  const std::int64_t dx = std::int64_t{a.x} - b.x, dy = std::int64_t{a.y} - b.y;
  return {static_cast<std::int32_t>(dx * half_overlap / d), static_cast<std::int32_t>(dy * half_overlap / d)};
}

std::uint32_t contact_index::bucket(std::int32_t cx, std::int32_t cy) const noexcept {
  const std::uint32_t h = static_cast<std::uint32_t>(cx) * 0x9E3779B1u ^ static_cast<std::uint32_t>(cy) * 0x85EBCA77u;
  return (h ^ (h >> 15)) & mask_;
}

void contact_index::build(std::span<const std::uint32_t> ids, std::span<const vec2> pos, std::int32_t diameter,
                          std::int32_t half_size) {
  diameter_ = std::max(diameter, 1);
  half_ = half_size;
  const std::size_t buckets = std::bit_ceil(std::max<std::size_t>(2 * ids.size(), 16));
  mask_ = static_cast<std::uint32_t>(buckets - 1);
  start_.assign(buckets + 1, 0);
  keys_.resize(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const vec2 p = pos[ids[i]];
    keys_[i] = bucket(cell(p.x), cell(p.y));
    ++start_[keys_[i] + 1];
  }
  for (std::size_t b = 0; b < buckets; ++b) start_[b + 1] += start_[b];
  items_.resize(ids.size());
  std::vector<std::uint32_t>& fill = keys_;  // reuse: after this loop keys_ is scratch
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const vec2 p = pos[ids[i]];
    const std::uint32_t b = fill[i];
    // start_[b] temporarily counts placed items; restored below.
    items_[start_[b]++] = {ids[i], cell(p.x), cell(p.y)};
  }
  for (std::size_t b = buckets; b > 0; --b) start_[b] = start_[b - 1];
  start_[0] = 0;
}

vec2 contact_index::push(std::uint32_t self, std::span<const vec2> pos) const {
  const vec2 p = pos[self];
  const std::int32_t cx = cell(p.x), cy = cell(p.y);
  std::int64_t sx = 0, sy = 0;
  for (std::int32_t oy = -1; oy <= 1; ++oy) {
    for (std::int32_t ox = -1; ox <= 1; ++ox) {
      const std::int32_t qx = cx + ox, qy = cy + oy;
      const std::uint32_t b = bucket(qx, qy);
      for (std::uint32_t i = start_[b]; i < start_[b + 1]; ++i) {
        const item& it = items_[i];
        if (it.cx != qx || it.cy != qy) continue;  // another cell hashed to this bucket
        const vec2 push = contact_push(self, p, it.id, pos[it.id], diameter_);
        sx += push.x;
        sy += push.y;
      }
    }
  }
  const std::int64_t lim = diameter_;
  return {static_cast<std::int32_t>(std::clamp(sx, -lim, lim)), static_cast<std::int32_t>(std::clamp(sy, -lim, lim))};
}

}  // namespace metronome::world::detail

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
  // Row-major, so that neighbouring cells are neighbouring buckets (cells that
  // wrap onto the same bucket are told apart by their positions).
  return (static_cast<std::uint32_t>(cy) * row_ + static_cast<std::uint32_t>(cx)) & mask_;
}

void contact_index::build(std::span<const std::uint32_t> ids, std::size_t own, std::span<const vec2> pos, std::int32_t diameter,
                          std::int32_t half_size) {
  diameter_ = std::max(diameter, 1);
  side_ = 2 * diameter_;
  half_ = half_size;
  row_ = static_cast<std::uint32_t>((2 * std::int64_t{half_size}) / side_ + 3);
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
    items_[start_[b]++] = {ids[i], p, i < own};
  }
  for (std::size_t b = buckets; b > 0; --b) start_[b] = start_[b - 1];
  start_[0] = 0;
  occupied_.assign((buckets + 63) / 64, 0);
  for (std::size_t b = 0; b < buckets; ++b) {
    if (start_[b + 1] != start_[b]) occupied_[b / 64] |= std::uint64_t{1} << (b % 64);
  }
}

vec2 contact_index::push_at(std::uint32_t self, vec2 p) const {
  const std::int32_t cx = cell(p.x), cy = cell(p.y);
  // Anything closer than one diameter lies in this cell or in the neighbour
  // on the side of the cell's centre line where p is (cells are 2 diameters).
  const std::int32_t x0 = offset(p.x) - std::int64_t{cx} * side_ < diameter_ ? cx - 1 : cx;
  const std::int32_t y0 = offset(p.y) - std::int64_t{cy} * side_ < diameter_ ? cy - 1 : cy;
  std::int64_t sx = 0, sy = 0;
  for (std::int32_t qy = y0; qy <= y0 + 1; ++qy) {
    for (std::int32_t qx = x0; qx <= x0 + 1; ++qx) {
      const std::uint32_t b = bucket(qx, qy);
      if (!(occupied_[b / 64] >> (b % 64) & 1)) continue;
      for (std::uint32_t i = start_[b]; i < start_[b + 1]; ++i) {
        const item& it = items_[i];
        if (cell(it.pos.x) != qx || cell(it.pos.y) != qy) continue;  // another cell hashed to this bucket
        const vec2 push = contact_push(self, p, it.id, it.pos, diameter_);
        sx += push.x;
        sy += push.y;
      }
    }
  }
  const std::int64_t lim = diameter_;
  return {static_cast<std::int32_t>(std::clamp(sx, -lim, lim)), static_cast<std::int32_t>(std::clamp(sy, -lim, lim))};
}

}  // namespace metronome::world::detail

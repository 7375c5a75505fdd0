#include "metronome/world/detail/interest.hpp"

#include <algorithm>

#include "metronome/engine/detail/splitmix.hpp"

namespace metronome::world::detail {
namespace {

__extension__ typedef unsigned __int128 u128;

std::uint64_t mul_high(std::uint64_t x, std::uint64_t y) noexcept {
  return static_cast<std::uint64_t>((static_cast<u128>(x) * y) >> 64);
}

/// A lower bound on the growth of g before this entry can flip.
std::int64_t slack(const aoi_rules& r, std::int64_t d2, bool visible) noexcept {
  if (visible) {
    // (R+M) - d = ((R+M)^2 - d^2) / ((R+M) + d) >= ((R+M)^2 - d^2) / (2 (R+M)).
    return static_cast<std::int64_t>(mul_high(static_cast<std::uint64_t>(r.leave2 - d2), r.inv_inside));
  }
  // d - R = (d^2 - R^2) / (d + R) >= (d^2 - R^2) / (far + R) while d <= far.
  if (d2 >= r.far2) return r.limit + 1;
  return static_cast<std::int64_t>(mul_high(static_cast<std::uint64_t>(d2 - r.enter2), r.inv_outside));
}

std::uint16_t next_check(std::int64_t now, std::int64_t s) noexcept {
  const std::int64_t at = now + std::max<std::int64_t>(s, 1);  // nothing flips while nothing moves
  return static_cast<std::uint16_t>(std::min<std::int64_t>(at, 65535));
}

void rebuild(interest& in, std::uint32_t self, std::int64_t g, const aoi_rules& rules, const grid& cells,
             std::span<const vec2> pos, aoi_scratch& scratch, std::vector<std::uint32_t>& entered,
             std::vector<std::uint32_t>& left, aoi_counters& counters) {
  for (const std::uint32_t tagged : in.ids) {
    if (tagged & visible_bit) scratch.mark[tagged & ~visible_bit] = 1;
  }
  scratch.ids.clear();
  scratch.next.clear();
  const vec2 p = pos[self];
  const auto t = static_cast<std::int32_t>(rules.track);
  std::uint32_t visible = 0;
  std::uint64_t candidates = 0;
  cells.for_each_near({p.x - t, p.y - t}, {p.x + t, p.y + t}, [&](std::uint32_t e) {
    ++candidates;
    const std::int64_t d2 = distance2(p, pos[e]);
    if (d2 > rules.track2 || e == self) return;
    const bool was = scratch.mark[e] != 0;
    scratch.mark[e] = 0;
    const bool is = d2 <= rules.enter2 || (was && d2 <= rules.leave2);
    if (is != was) (is ? entered : left).push_back(e);
    visible += is ? 1u : 0u;
    scratch.ids.push_back(is ? (e | visible_bit) : e);
    scratch.next.push_back(next_check(0, slack(rules, d2, is)));
  });
  // Visible before but now beyond the tracked radius (> radius + margin): left.
  for (const std::uint32_t tagged : in.ids) {
    const std::uint32_t e = tagged & ~visible_bit;
    if ((tagged & visible_bit) && scratch.mark[e]) {
      scratch.mark[e] = 0;
      left.push_back(e);
    }
  }
  in.ids.swap(scratch.ids);
  in.next.swap(scratch.next);
  in.visible = visible;
  in.base = g;
  // Stagger rebuilds: each player rebuilds somewhat early, by an amount fixed by its id.
  const std::uint64_t spread = rules.limit / 2 + 1;
  in.limit = rules.limit - static_cast<std::uint32_t>(engine::detail::mix64(self) % spread);
  in.built = true;
  ++counters.rebuilds;
  counters.candidates += candidates;
}

}  // namespace

aoi_rules aoi_rules::make(std::int32_t radius, std::int32_t margin, std::int32_t skin) {
  aoi_rules r;
  r.radius = radius;
  r.leave = std::int64_t{radius} + margin;
  r.track = r.leave + skin;
  r.enter2 = r.radius * r.radius;
  r.leave2 = r.leave * r.leave;
  r.track2 = r.track * r.track;
  r.limit = static_cast<std::uint32_t>(std::int64_t{margin} + skin);
  const std::int64_t far = r.track + r.limit;
  r.far2 = far * far;
  r.inv_inside = ~std::uint64_t{0} / static_cast<std::uint64_t>(std::max<std::int64_t>(2 * r.leave, 1));
  r.inv_outside = ~std::uint64_t{0} / static_cast<std::uint64_t>(std::max<std::int64_t>(far + r.radius, 1));
  return r;
}

void update_interest(interest& in, std::uint32_t self, std::int64_t g, const aoi_rules& rules, const grid& cells,
                     std::span<const vec2> pos, aoi_scratch& scratch, std::vector<std::uint32_t>& entered,
                     std::vector<std::uint32_t>& left, aoi_counters& counters) {
  const std::int64_t now = g - in.base;
  if (!in.built || now > in.limit) {
    rebuild(in, self, g, rules, cells, pos, scratch, entered, left, counters);
    return;
  }
  const auto now16 = static_cast<std::uint16_t>(now);
  const vec2 p = pos[self];
  std::uint16_t* next = in.next.data();
  std::uint32_t* ids = in.ids.data();
  const std::size_t n = in.ids.size();
  std::uint64_t checks = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (next[i] > now16) continue;
    ++checks;
    const std::uint32_t tagged = ids[i];
    const std::uint32_t e = tagged & ~visible_bit;
    const bool was = (tagged & visible_bit) != 0;
    const std::int64_t d2 = distance2(p, pos[e]);
    const bool is = d2 <= rules.enter2 || (was && d2 <= rules.leave2);
    if (is != was) {
      if (is) {
        entered.push_back(e);
        ids[i] = e | visible_bit;
        ++in.visible;
      } else {
        left.push_back(e);
        ids[i] = e;
        --in.visible;
      }
    }
    next[i] = next_check(now, slack(rules, d2, is));
  }
  counters.checks += checks;
}

}  // namespace metronome::world::detail

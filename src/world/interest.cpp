#include "metronome/world/detail/interest.hpp"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "metronome/engine/detail/splitmix.hpp"

namespace metronome::world::detail {
namespace {

__extension__ typedef unsigned __int128 u128;

std::uint64_t mul_high(std::uint64_t x, std::uint64_t y) noexcept { return static_cast<std::uint64_t>((static_cast<u128>(x) * y) >> 64); }

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

/// The due quantum of an entry checked at `now` with slack s: floor(at / quantum)
/// is never after `at`, so the entry is re-checked no later than needed.
std::uint32_t due(const aoi_rules& r, std::int64_t now, std::int64_t s) noexcept {
  const std::int64_t at = now + std::max<std::int64_t>(s, 1);  // nothing flips while nothing moves
  return static_cast<std::uint32_t>(std::min<std::int64_t>(at / r.quantum, max_due_quanta));
}

void rebuild(interest& in, std::uint32_t self, std::int64_t g, const aoi_rules& rules, const grid& cells, std::span<const vec2> pos,
             aoi_scratch& scratch, std::vector<std::uint32_t>& entered, std::vector<std::uint32_t>& left, aoi_counters& counters) {
  for (const std::uint32_t entry : in.entries) {
    if (entry_is_visible(entry)) scratch.mark[entry_id(entry)] = 1;
  }
  scratch.entries.clear();
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
    scratch.entries.push_back(make_entry(e, is, due(rules, 0, slack(rules, d2, is))));
  });
  // Visible before but now beyond the tracked radius (> radius + margin): left.
  for (const std::uint32_t entry : in.entries) {
    const std::uint32_t e = entry_id(entry);
    if (entry_is_visible(entry) && scratch.mark[e]) {
      scratch.mark[e] = 0;
      left.push_back(e);
    }
  }
  in.entries.swap(scratch.entries);
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
  r.quantum = (r.limit + 1) / max_due_quanta + 1;
  const std::int64_t far = r.track + r.limit;
  r.far2 = far * far;
  r.inv_inside = ~std::uint64_t{0} / static_cast<std::uint64_t>(std::max<std::int64_t>(2 * r.leave, 1));
  r.inv_outside = ~std::uint64_t{0} / static_cast<std::uint64_t>(std::max<std::int64_t>(far + r.radius, 1));
  return r;
}

void update_interest(interest& in, std::uint32_t self, std::int64_t g, const aoi_rules& rules, const grid& cells, std::span<const vec2> pos,
                     aoi_scratch& scratch, std::vector<std::uint32_t>& entered, std::vector<std::uint32_t>& left, aoi_counters& counters) {
  const std::int64_t now = g - in.base;
  if (!in.built || now > in.limit) {
    rebuild(in, self, g, rules, cells, pos, scratch, entered, left, counters);
    return;
  }
  const auto now_q = static_cast<std::uint32_t>(now / rules.quantum);
  const vec2 p = pos[self];
  std::uint32_t* entries = in.entries.data();
  const std::size_t n = in.entries.size();
  std::uint64_t checks = 0;
  auto check = [&](std::size_t i) {
    ++checks;
    const std::uint32_t e = entry_id(entries[i]);
    const bool was = entry_is_visible(entries[i]);
    const std::int64_t d2 = distance2(p, pos[e]);
    const bool is = d2 <= rules.enter2 || (was && d2 <= rules.leave2);
    if (is != was) {
      (is ? entered : left).push_back(e);
      if (is) {
        ++in.visible;
      } else {
        --in.visible;
      }
    }
    entries[i] = make_entry(e, is, due(rules, now, slack(rules, d2, is)));
  };
  std::size_t i = 0;
#if defined(__SSE2__)
  // Four entries per compare: most are not due, so find the due ones by mask
  // rather than by a branch per entry (due fields are < 2^9: signed compare is fine).
  const __m128i mask = _mm_set1_epi32(static_cast<int>(entry_due_mask));
  const __m128i limit = _mm_set1_epi32(static_cast<int>(now_q));
  for (; i + 4 <= n; i += 4) {
    const __m128i v = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(entries + i)), mask);
    auto due_now = static_cast<unsigned>(~_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(v, limit)))) & 0xFu;
    while (due_now != 0) {
      const auto bit = static_cast<unsigned>(__builtin_ctz(due_now));
      check(i + bit);
      due_now &= due_now - 1;
    }
  }
#endif
  for (; i < n; ++i) {
    if ((entries[i] & entry_due_mask) <= now_q) check(i);
  }
  counters.checks += checks;
}

}  // namespace metronome::world::detail

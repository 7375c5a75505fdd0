// Brute-force references the world's tests compare against.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "metronome/world/world.hpp"

namespace metronome::world::testing {

/// Area of interest by definition: every pair, every tick, with hysteresis.
/// Entities that are not alive are seen by nobody and see nothing; check()
/// must run after every step (a departed id leaves every view at once).
class brute_force_aoi {
 public:
  explicit brute_force_aoi(const world& w) : visible_(w.entity_count()) {}

  /// Advances to the state `w` is in now; returns false on the first mismatch
  /// with the world's visible / entered / left sets (details in `why`).
  bool check(const world& w, std::string& why) {
    const auto& c = w.config();
    const std::int64_t r2 = std::int64_t{c.aoi_radius} * c.aoi_radius;
    const std::int64_t l = std::int64_t{c.aoi_radius} + c.aoi_margin;
    const std::int64_t l2 = l * l;
    const auto pos = w.positions();
    visible_.resize(w.entity_count());
    for (std::uint32_t p = 0; p < w.entity_count(); ++p) {
      if (!w.alive(p) || w.kind(p) != entity_kind::player) {
        visible_[p].clear();
        continue;
      }
      std::vector<std::uint32_t> now;
      const auto& before = visible_[p];
      for (std::uint32_t e = 0; e < w.entity_count(); ++e) {
        if (e == p || !w.alive(e)) continue;
        const std::int64_t d2 = distance2(pos[p], pos[e]);
        if (d2 <= r2 || (d2 <= l2 && std::binary_search(before.begin(), before.end(), e))) now.push_back(e);
      }
      std::vector<std::uint32_t> in, out;
      std::set_difference(now.begin(), now.end(), before.begin(), before.end(), std::back_inserter(in));
      std::set_difference(before.begin(), before.end(), now.begin(), now.end(), std::back_inserter(out));
      const auto got_in = w.entered(p);
      const auto got_out = w.left(p);
      if (w.visible(p) != now || !std::equal(in.begin(), in.end(), got_in.begin(), got_in.end()) ||
          !std::equal(out.begin(), out.end(), got_out.begin(), got_out.end()) || w.visible_count(p) != now.size()) {
        why = "tick " + std::to_string(w.tick()) + " player " + std::to_string(p) + ": brute force sees " + std::to_string(now.size()) +
              ", world " + std::to_string(w.visible(p).size()) + " (entered " + std::to_string(in.size()) + " vs " +
              std::to_string(got_in.size()) + ", left " + std::to_string(out.size()) + " vs " + std::to_string(got_out.size()) + ")";
        return false;
      }
      visible_[p] = std::move(now);
    }
    return true;
  }

 private:
  std::vector<std::vector<std::uint32_t>> visible_;
};

inline constexpr std::int32_t u = units_per_world_unit;

}  // namespace metronome::world::testing

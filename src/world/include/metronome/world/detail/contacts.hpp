// Circle-circle contacts, resolved in fixed point. Each tick every entity is
// pushed away from every other entity it overlaps by half the overlap along
// the line between their centres (one Jacobi pass: pushes are computed from
// the positions before any of them applies, and summed in integers, so the
// result does not depend on the order in which entities or shards run).
// The pair rule is antisymmetric: push(a, b) == -push(b, a), exactly.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "metronome/world/fixed.hpp"

namespace metronome::world::detail {

/// The push entity `self` at `a` gets from entity `other` at `b`, both circles
/// of diameter `diameter` (units). Zero when they do not overlap.
vec2 contact_push(std::uint32_t self, vec2 a, std::uint32_t other, vec2 b, std::int32_t diameter) noexcept;

/// A hash grid of cell side = 2 * diameter over a set of positions, rebuilt
/// every tick by counting sort, with a bitmap of occupied buckets; finds every
/// circle overlapping a given one by probing the 2 x 2 cells on the side of
/// its cell where its centre lies.
class contact_index {
 public:
  /// Indexes entities `ids` at positions pos[id]; the first `own` of them are
  /// the ones pushes are wanted for. Positions lie in [-half, half]^2.
  void build(std::span<const std::uint32_t> ids, std::size_t own, std::span<const vec2> pos, std::int32_t diameter, std::int32_t half_size);

  /// Sum of contact_push(self, pos[self], other, pos[other]) over indexed others,
  /// each axis clamped to [-diameter, diameter].
  vec2 push(std::uint32_t self, std::span<const vec2> pos) const { return push_at(self, pos[self]); }

  /// Calls f(id, push(id)) for every own entity, in the index's (spatial) order,
  /// which keeps neighbouring buckets in cache.
  template <class F>
  void for_each_own(F&& f) const {
    for (const item& it : items_) {
      if (it.own) f(it.id, push_at(it.id, it.pos));
    }
  }

 private:
  struct item {
    std::uint32_t id;
    vec2 pos;
    bool own;
  };
  vec2 push_at(std::uint32_t self, vec2 p) const;
  std::uint32_t bucket(std::int32_t cx, std::int32_t cy) const noexcept;
  std::int64_t offset(std::int32_t v) const noexcept { return std::int64_t{v} + half_; }
  std::int32_t cell(std::int32_t v) const noexcept { return static_cast<std::int32_t>(offset(v) / side_); }

  std::int32_t diameter_ = 1, side_ = 2, half_ = 0;
  std::uint32_t row_ = 1;                // buckets are cells in row-major order, wrapped by mask_
  std::vector<std::uint64_t> occupied_;  // bit b: bucket b is not empty
  std::uint32_t mask_ = 0;
  std::vector<std::uint32_t> start_;  // bucket b holds items_[start_[b], start_[b + 1])
  std::vector<item> items_;
  std::vector<std::uint32_t> keys_;
};

}  // namespace metronome::world::detail

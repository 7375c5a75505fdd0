// The positions of one entity a client has been sent, by tick: the one rule
// both ends of the delta protocol (docs/protocol.md, "Tick frame") share.
// A delta against base B is relative to the newest position at a tick <= B;
// entries older than that one are never needed again (bases only grow).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace metronome::gateway {

struct qpos {
  std::int32_t x = 0, y = 0;  ///< q (1/32 world unit)
  bool operator==(const qpos&) const = default;
};

class position_history {
 public:
  struct entry {
    std::uint64_t tick;
    qpos pos;
  };

  /// The position the client holds for tick `base`: the newest entry at a tick <= base.
  std::optional<qpos> at(std::uint64_t base) const noexcept {
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
      if (it->tick <= base) return it->pos;
    }
    return std::nullopt;
  }
  /// Records the position sent (or received) in the frame of `tick` (ticks ascending; the same tick replaces).
  void record(std::uint64_t tick, qpos p) {
    if (!entries_.empty() && entries_.back().tick == tick) {
      entries_.back().pos = p;
    } else {
      entries_.push_back({tick, p});
    }
  }
  /// Drops the entries older than the newest one at a tick <= base.
  void forget_before(std::uint64_t base) {
    std::size_t keep = 0;
    for (std::size_t i = 0; i < entries_.size() && entries_[i].tick <= base; ++i) keep = i;
    if (keep > 0) entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(keep));
  }
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  const entry& latest() const noexcept { return entries_.back(); }

 private:
  std::vector<entry> entries_;
};

}  // namespace metronome::gateway

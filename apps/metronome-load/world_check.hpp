// The bots' brute-force check (apps/metronome-load/README.md, "World mode"):
// one bot's view at tick T against the server's truth at tick T (GET
// /world/truth, docs/protocol.md "Operator endpoint"). Pure: no I/O, no clock.
//
// The rules, all in fixed-point units (256 per world unit), with the bot's
// own position P taken from the truth:
// - every entity e != self with |e - P|^2 <= R^2 must be in the view;
// - no entity in the view may be beyond R + M (the world's leave rule: the
//   band between R and R + M is hysteresis, either answer is right there),
//   nor absent from the truth;
// - every position in the view (self included) may differ from the truth by
//   at most allowed_error(staleness) per axis, staleness being T minus the
//   tick the view last recorded that position (what the budget deferred).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/gateway/client_view.hpp"

namespace metronome::load::world_check {

struct truth_entity {
  std::uint32_t id = 0;
  std::int32_t x = 0, y = 0;  ///< fixed-point units
};

/// GET /world/truth's answer: the world after `tick`.
struct truth {
  std::uint64_t tick = 0;
  std::int32_t radius = 0, margin = 0;  ///< area of interest (units)
  std::int32_t max_speed = 0;           ///< units per tick
  std::int32_t entity_radius = 0;       ///< collision circle (units)
  std::uint64_t obstacles = 0;          ///< static boxes (none in `world serve`)
  std::vector<truth_entity> entities;   ///< ids strictly ascending
  const truth_entity* find(std::uint32_t id) const noexcept;
};

/// Parses the endpoint's JSON body (Boost.JSON); nullopt and `error` on
/// anything else (wrong shape, ids not ascending, values out of range).
std::optional<truth> parse_truth(std::string_view body, std::string& error);

/// What one bot saw after one tick: every entity of its view (and itself)
/// with its position in q and the tick that position was recorded at.
struct view_snapshot {
  struct seen {
    std::uint32_t id = 0;
    gateway::qpos pos;
    std::uint64_t at = 0;
  };
  std::uint64_t tick = 0;
  std::uint32_t self = 0;
  std::vector<seen> entities;  ///< ids ascending
};
view_snapshot snapshot_of(const gateway::client_view& view, std::uint32_t self);

/// Largest per-axis step of one entity in one tick: its own motion (at most
/// max_speed per axis) plus the contact push (each axis clamped to one
/// diameter, docs/world.md "A step"). Without obstacles, whose push-out is
/// not bounded this way.
std::int64_t step_bound(const truth& t) noexcept;
/// Quantization (half a q, 4 units) plus `staleness` ticks of step_bound.
std::int64_t allowed_error(const truth& t, std::uint64_t staleness) noexcept;

struct mismatch {
  std::uint32_t entity = 0;
  std::string why;
};

/// Every rule the snapshot breaks; empty when it agrees. Precondition:
/// view.tick == t.tick.
std::vector<mismatch> compare(const truth& t, const view_snapshot& view);

}  // namespace metronome::load::world_check

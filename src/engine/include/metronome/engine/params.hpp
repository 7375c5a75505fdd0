// Session parameters of the timeline engine and their validation.
//
// The engine is pure: it owns no I/O, reads no clock and allocates only when
// asked for a replay. Every function here gives the same answer on every
// compiler and flag set, and docs/engine.md specifies them precisely enough for
// the TypeScript port (web/src/engine) to be bit-identical.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace metronome::engine {

/// Tick length bounds (milliseconds).
inline constexpr std::int64_t min_tick_ms = 1;
inline constexpr std::int64_t max_tick_ms = 60'000;

/// Timestamps (`start_at`, `now`) are ms since the Unix epoch in [0, 2^53 - 1],
/// so every timestamp and step is exactly representable as a JavaScript number.
inline constexpr std::int64_t max_time_ms = (std::int64_t{1} << 53) - 1;

/// Default rule: breaks on a jittered lattice (see docs/engine.md, "rounds").
/// Break r (r >= 1) happens at step r * mean_interval + J_r, J_r uniform in
/// [0, jitter]; intervals between breaks are triangular on
/// [mean_interval - jitter, mean_interval + jitter] with mean mean_interval.
struct rounds_rule {
  static constexpr std::string_view name = "rounds";
  static constexpr std::uint32_t max_mean_interval = 1'000'000'000;

  std::uint32_t mean_interval = 50;  ///< Mean steps between breaks, 1 to 10^9. Default 50.
  /// Largest offset of a break from its lattice point (steps), 0 to
  /// mean_interval - 1. Default 49, which is mean_interval - 1 for the default
  /// mean; every front end (CLI, HTTP) defaults it to mean_interval - 1 when
  /// only mean_interval is given, so set both when constructing by hand.
  std::uint32_t jitter = 49;

  friend bool operator==(const rounds_rule&, const rounds_rule&) = default;
};

/// Seed 000's rule, exactly as its pseudo-code defines it: a step breaks when
/// (1664525 * ((seed XOR step) mod 2^32) + 1013904223) mod 2^32 is a multiple
/// of break_probability.
struct lcg_counter_rule {
  static constexpr std::string_view name = "lcg-counter";
  static constexpr std::uint32_t max_break_probability = 1'000'000;

  std::uint32_t break_probability = 50;  ///< One break per this many steps on average, 1 to 10^6. Default 50.

  friend bool operator==(const lcg_counter_rule&, const lcg_counter_rule&) = default;
};

using rule = std::variant<rounds_rule, lcg_counter_rule>;

/// The name of a rule as used on the wire ("rounds", "lcg-counter").
std::string_view rule_name(const rule& r) noexcept;

/// The rule with this name and its default parameters, or nullopt if unknown.
std::optional<rule> rule_named(std::string_view name) noexcept;

struct session_params {
  std::uint64_t seed = 0;        ///< Any 64-bit value; see seed.hpp for string seeds.
  std::int64_t start_at_ms = 0;  ///< First step begins here (ms since the Unix epoch).
  std::int64_t tick_ms = 100;    ///< Step length (ms), min_tick_ms to max_tick_ms.
  engine::rule rule = rounds_rule{};

  friend bool operator==(const session_params&, const session_params&) = default;
};

/// Why a set of parameters was refused: the offending field and a sentence.
struct invalid_params {
  std::string field;
  std::string message;
};

/// Checks every field against the bounds above; nullopt means valid.
std::optional<invalid_params> validate(const session_params& params);

/// Checks a timestamp used as `now`; nullopt means valid.
std::optional<invalid_params> validate_time(std::string_view field, std::int64_t time_ms);

}  // namespace metronome::engine

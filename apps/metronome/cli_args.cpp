#include "cli_args.hpp"

#include <charconv>

#include <fmt/format.h>

#include "metronome/engine/seed.hpp"

namespace metronome::cli {

std::int64_t parse_int(std::string_view flag, std::string_view text, std::int64_t lo, std::int64_t hi) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value < lo || value > hi) {
    throw usage_error(fmt::format("{}: expected an integer from {} to {}, got '{}'", flag, lo, hi, text));
  }
  return value;
}

void session_flags::add(CLI::App& cmd) {
  cmd.add_option("--seed", seed_, "Seed: a decimal unsigned 64-bit integer, or any other string (hashed)")->required();
  cmd.add_option("--start-at", start_at_, "When step 0 begins, ms since the Unix epoch")->required();
  cmd.add_option("--tick-ms", tick_ms_, "Step length in ms, 1 to 60000")->capture_default_str();
  cmd.add_option("--rule", rule_, "Rule: rounds or lcg-counter")->capture_default_str();
  cmd.add_option("--mean-interval", mean_interval_, "rounds: mean steps between breaks (default 50)");
  cmd.add_option("--jitter", jitter_, "rounds: largest offset of a break from its lattice point (default: mean interval - 1)");
  cmd.add_option("--break-probability", break_probability_, "lcg-counter: a break on average every N steps (default 50)");
}

engine::session_params session_flags::parse() const {
  engine::session_params params;
  const auto seed = engine::parse_seed(seed_);
  if (!seed) throw usage_error("--seed: must not be empty");
  params.seed = *seed;
  params.start_at_ms = parse_int("--start-at", start_at_, 0, engine::max_time_ms);
  params.tick_ms = parse_int("--tick-ms", tick_ms_, engine::min_tick_ms, engine::max_tick_ms);

  if (rule_ == engine::rounds_rule::name) {
    if (!break_probability_.empty()) throw usage_error("--break-probability applies to --rule lcg-counter only");
    engine::rounds_rule r;
    if (!mean_interval_.empty()) {
      r.mean_interval = static_cast<std::uint32_t>(
          parse_int("--mean-interval", mean_interval_, 1, engine::rounds_rule::max_mean_interval));
    }
    if (!jitter_.empty()) {
      r.jitter = static_cast<std::uint32_t>(parse_int("--jitter", jitter_, 0, std::int64_t{r.mean_interval} - 1));
    } else {
      r.jitter = r.mean_interval - 1;
    }
    params.rule = r;
  } else if (rule_ == engine::lcg_counter_rule::name) {
    if (!mean_interval_.empty() || !jitter_.empty()) {
      throw usage_error("--mean-interval and --jitter apply to --rule rounds only");
    }
    engine::lcg_counter_rule r;
    if (!break_probability_.empty()) {
      r.break_probability = static_cast<std::uint32_t>(
          parse_int("--break-probability", break_probability_, 1, engine::lcg_counter_rule::max_break_probability));
    }
    params.rule = r;
  } else {
    throw usage_error(fmt::format("--rule: unknown rule '{}' (expected rounds or lcg-counter)", rule_));
  }
  if (const auto bad = engine::validate(params)) throw usage_error(bad->field + ": " + bad->message);
  return params;
}

}  // namespace metronome::cli

#include <string>

#include "metronome/engine/params.hpp"

namespace metronome::engine {
namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;  // clang 14 does not deduce aggregate bases without it

std::string range_message(std::string_view what, long long lo, long long hi) {
  return std::string(what) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
}

}  // namespace

std::string_view rule_name(const rule& r) noexcept {
  // Not std::visit: it may throw bad_variant_access, and this is noexcept.
  static_assert(std::variant_size_v<rule> == 2, "name every rule here");
  if (std::holds_alternative<rounds_rule>(r)) return rounds_rule::name;
  return lcg_counter_rule::name;
}

std::optional<rule> rule_named(std::string_view name) noexcept {
  if (name == rounds_rule::name) return rounds_rule{};
  if (name == lcg_counter_rule::name) return lcg_counter_rule{};
  return std::nullopt;
}

std::optional<invalid_params> validate_time(std::string_view field, std::int64_t time_ms) {
  if (time_ms < 0 || time_ms > max_time_ms) {
    return invalid_params{std::string(field), range_message(field, 0, max_time_ms) + " (ms since the Unix epoch)"};
  }
  return std::nullopt;
}

std::optional<invalid_params> validate(const session_params& params) {
  if (params.tick_ms < min_tick_ms || params.tick_ms > max_tick_ms) {
    return invalid_params{"tick_ms", range_message("tick_ms", min_tick_ms, max_tick_ms)};
  }
  if (auto bad = validate_time("start_at", params.start_at_ms)) return bad;
  return std::visit(
      overloaded{
          [](const rounds_rule& r) -> std::optional<invalid_params> {
            if (r.mean_interval < 1 || r.mean_interval > rounds_rule::max_mean_interval) {
              return invalid_params{"mean_interval", range_message("mean_interval", 1, rounds_rule::max_mean_interval)};
            }
            if (r.jitter >= r.mean_interval) {
              return invalid_params{
                  "jitter", range_message("jitter", 0, r.mean_interval - 1LL) + " (less than mean_interval, so that breaks stay ordered)"};
            }
            return std::nullopt;
          },
          [](const lcg_counter_rule& r) -> std::optional<invalid_params> {
            if (r.break_probability < 1 || r.break_probability > lcg_counter_rule::max_break_probability) {
              return invalid_params{"break_probability", range_message("break_probability", 1, lcg_counter_rule::max_break_probability)};
            }
            return std::nullopt;
          },
      },
      params.rule);
}

}  // namespace metronome::engine

// Strict parsing of command-line values. Every failure throws usage_error,
// which main() turns into a message on stderr and exit code 2.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "metronome/engine/params.hpp"

namespace metronome::cli {

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A decimal integer in [lo, hi], or usage_error naming the flag.
std::int64_t parse_int(std::string_view flag, std::string_view text, std::int64_t lo, std::int64_t hi);

/// Session parameters from the shared flags (--seed, --start-at, --tick-ms,
/// --rule and its parameters), registered on a subcommand by add().
class session_flags {
 public:
  void add(CLI::App& cmd);
  engine::session_params parse() const;

 private:
  std::string seed_, start_at_, tick_ms_ = "100", rule_ = "rounds";
  std::string mean_interval_, jitter_, break_probability_;
};

}  // namespace metronome::cli

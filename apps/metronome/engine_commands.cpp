#include "engine_commands.hpp"

#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli_args.hpp"
#include "metronome/engine/replay.hpp"
#include "metronome/engine/state.hpp"

namespace metronome::cli {
namespace {

void append_state_json(fmt::memory_buffer& out, const engine::state& s) {
  fmt::format_to(std::back_inserter(out), R"({{"phase":"{}","step":{},"value":{},"round":{},"broken":{})", engine::phase_name(s.phase),
                 s.step, s.value, s.round, s.broken);
  if (s.phase == engine::phase::countdown) fmt::format_to(std::back_inserter(out), R"(,"remainingMs":{})", s.remaining_ms);
  out.push_back('}');
}

void write_stdout(const fmt::memory_buffer& out) { std::fwrite(out.data(), 1, out.size(), stdout); }

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

void add_state_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("state", "Print the state of a session at a moment as one JSON object");
  auto flags = std::make_shared<session_flags>();
  auto at = std::make_shared<std::string>();
  flags->add(*cmd);
  cmd->add_option("--at", *at, "The moment, ms since the Unix epoch (default: now)");
  cmd->callback([flags, at] {
    const engine::session_params params = flags->parse();
    const std::int64_t now = at->empty() ? wall_clock_ms() : parse_int("--at", *at, 0, engine::max_time_ms);
    fmt::memory_buffer out;
    append_state_json(out, engine::state_at(params, now));
    out.push_back('\n');
    write_stdout(out);
  });
}

void add_replay_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("replay", "Print the states (or only the breaks) of a step range, one JSON object per line");
  auto flags = std::make_shared<session_flags>();
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto breaks_only = std::make_shared<bool>(false);
  flags->add(*cmd);
  cmd->add_option("--from", *from, "First step (inclusive)")->required();
  cmd->add_option("--to", *to, "Last step (inclusive)")->required();
  cmd->add_flag("--breaks-only", *breaks_only, "Print only the steps where a break happens");
  cmd->callback([flags, from, to, breaks_only] {
    const engine::session_params params = flags->parse();
    const std::int64_t first = parse_int("--from", *from, 0, engine::max_time_ms);
    const std::int64_t last = parse_int("--to", *to, 0, engine::max_time_ms);
    if (first > last) throw usage_error(fmt::format("--from ({}) must not be greater than --to ({})", first, last));
    if (last > engine::last_step(params)) {
      throw usage_error(fmt::format("--to: step {} would begin after the last representable time (2^53-1 ms); the last step is {}", last,
                                    engine::last_step(params)));
    }
    if (last - first + 1 > engine::max_replay_steps) {
      throw usage_error(fmt::format("the range covers {} steps; at most {} per call", last - first + 1, engine::max_replay_steps));
    }
    fmt::memory_buffer out;
    auto emit = [&](const engine::state& s) {
      fmt::format_to(std::back_inserter(out),
                     R"({{"step":{},"at":{},"value":{},"round":{},"broken":{}}})"
                     "\n",
                     s.step, engine::step_start_ms(params, s.step), s.value, s.round, s.broken);
      if (out.size() > (1u << 16)) {
        write_stdout(out);
        out.clear();
      }
    };
    if (*breaks_only) {
      engine::for_each_break(params, first, last, emit);
    } else {
      engine::for_each_state(params, first, last, emit);
    }
    write_stdout(out);
  });
}

}  // namespace metronome::cli

#include "cli_args.hpp"

#include <charconv>

#include <fmt/format.h>

#include "metronome/engine/seed.hpp"
#include "metronome/obs/log.hpp"

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
      r.mean_interval = static_cast<std::uint32_t>(parse_int("--mean-interval", mean_interval_, 1, engine::rounds_rule::max_mean_interval));
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

bool parse_bool(std::string_view flag, const std::string& value) {
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  throw usage_error(fmt::format("{}: expected true or false, got '{}'", flag, value));
}

void add_env_option(CLI::App& cmd, const char* flag, std::string& target, const char* env, const char* help) {
  cmd.add_option(flag, target, help)->envname(env)->capture_default_str();
}

void http_flags::add(CLI::App& cmd) {
  add_env_option(cmd, "--host", host_, "HOST", "Address to listen on");
  add_env_option(cmd, "--port", port_, "PORT", "Port to listen on (0 picks a free one)");
  add_env_option(cmd, "--threads", threads_, "THREADS", "I/O threads (0 = number of cores)");
  add_env_option(cmd, "--body-limit", body_limit_, "BODY_LIMIT_BYTES", "Largest request body (bytes); larger gets 413");
  add_env_option(cmd, "--header-limit", header_limit_, "HEADER_LIMIT_BYTES", "Largest request head (bytes); larger gets 431");
  add_env_option(cmd, "--read-timeout-ms", read_timeout_ms_, "READ_TIMEOUT_MS", "Time to receive a whole request once it starts (ms)");
  add_env_option(cmd, "--idle-timeout-ms", idle_timeout_ms_, "IDLE_TIMEOUT_MS", "Keep-alive idle time before closing (ms)");
  add_env_option(cmd, "--max-connections", max_connections_, "MAX_CONNECTIONS", "Open connections; more are refused");
  add_env_option(cmd, "--access-log", access_log_, "ACCESS_LOG", "Log every request (true/false)");
  add_env_option(cmd, "--log-level", log_level_, "LOG_LEVEL", "debug, info, warn or error");
}

net::server_config http_flags::parse() const {
  net::server_config c;
  c.host = host_;
  c.port = static_cast<std::uint16_t>(parse_int("--port (PORT)", port_, 0, 65535));
  c.threads = static_cast<unsigned>(parse_int("--threads (THREADS)", threads_, 0, 256));
  c.body_limit = static_cast<std::size_t>(parse_int("--body-limit (BODY_LIMIT_BYTES)", body_limit_, 1024, 64 << 20));
  c.header_limit = static_cast<std::size_t>(parse_int("--header-limit (HEADER_LIMIT_BYTES)", header_limit_, 1024, 1 << 20));
  c.read_timeout = std::chrono::milliseconds(parse_int("--read-timeout-ms (READ_TIMEOUT_MS)", read_timeout_ms_, 100, 600'000));
  c.idle_timeout = std::chrono::milliseconds(parse_int("--idle-timeout-ms (IDLE_TIMEOUT_MS)", idle_timeout_ms_, 100, 3'600'000));
  c.max_connections = static_cast<std::size_t>(parse_int("--max-connections (MAX_CONNECTIONS)", max_connections_, 1, 1'000'000));
  (void)access_log();
  if (!obs::set_log_level(log_level_)) throw usage_error("--log-level (LOG_LEVEL): expected debug, info, warn or error");
  return c;
}

void access_flags::add(CLI::App& cmd) {
  add_env_option(cmd, "--auth-mode", mode_, "AUTH_MODE",
                 "open: anyone with a session id may end it (the seeds' examples); owner: ending needs the session key or "
                 "ADMIN_TOKEN, listing needs ADMIN_TOKEN (run owner in production)");
  cmd.add_option("--admin-token", admin_token_, "Bearer token that may end any session and list any user's (owner mode)")
      ->envname("ADMIN_TOKEN");  // no capture_default_str: a secret is never shown in --help
  add_env_option(cmd, "--rate-limit-per-second", per_second_, "RATE_LIMIT_PER_SECOND",
                 "Creates and ends per client address per second (token bucket); 0 turns the limit off");
  add_env_option(cmd, "--rate-limit-burst", burst_, "RATE_LIMIT_BURST", "Creates and ends a client address may make at once");
}

access_flags::parsed access_flags::parse() const {
  parsed p;
  const auto mode = net::auth_mode_named(mode_);
  if (!mode) throw usage_error("--auth-mode (AUTH_MODE): expected open or owner, got '" + mode_ + "'");
  p.auth.mode = *mode;
  p.auth.admin_token = admin_token_;
  if (!admin_token_.empty() && admin_token_.size() < 16) throw usage_error("--admin-token (ADMIN_TOKEN): use at least 16 characters");
  p.per_second = static_cast<double>(parse_int("--rate-limit-per-second (RATE_LIMIT_PER_SECOND)", per_second_, 0, 1'000'000));
  p.burst = static_cast<double>(parse_int("--rate-limit-burst (RATE_LIMIT_BURST)", burst_, 1, 1'000'000));
  return p;
}

bool http_flags::access_log() const { return parse_bool("--access-log (ACCESS_LOG)", access_log_); }

}  // namespace metronome::cli

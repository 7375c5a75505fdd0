// Strict parsing of command-line values. Every failure throws usage_error,
// which main() turns into a message on stderr and exit code 2.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "metronome/engine/params.hpp"
#include "metronome/net/access.hpp"
#include "metronome/net/server.hpp"

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

/// true/false/1/0/yes/no, or usage_error naming the flag.
bool parse_bool(std::string_view flag, const std::string& value);

/// The HTTP server settings every server command shares (flag + env var):
/// HOST, PORT, THREADS, BODY_LIMIT_BYTES, HEADER_LIMIT_BYTES, READ_TIMEOUT_MS,
/// IDLE_TIMEOUT_MS, MAX_CONNECTIONS, ACCESS_LOG, LOG_LEVEL.
class http_flags {
 public:
  explicit http_flags(std::string default_port) : port_(std::move(default_port)) {}
  void add(CLI::App& cmd);
  /// Parses everything and applies LOG_LEVEL; usage_error on a bad value.
  net::server_config parse() const;
  bool access_log() const;

 private:
  std::string host_ = "127.0.0.1", port_, threads_ = "0", body_limit_ = "65536", header_limit_ = "8192";
  std::string read_timeout_ms_ = "10000", idle_timeout_ms_ = "30000", max_connections_ = "10000";
  std::string access_log_ = "true", log_level_ = "info";
};

/// Who may do what, shared by `region` and `edge` (flag + env var):
/// AUTH_MODE, ADMIN_TOKEN, RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST.
class access_flags {
 public:
  void add(CLI::App& cmd);
  struct parsed {
    net::access_config auth;
    double per_second = 0;
    double burst = 20;
  };
  parsed parse() const;

 private:
  std::string mode_ = "open", admin_token_, per_second_ = "0", burst_ = "20";
};

/// Adds an option with an environment variable and its default shown in --help.
void add_env_option(CLI::App& cmd, const char* flag, std::string& target, const char* env, const char* help);

}  // namespace metronome::cli

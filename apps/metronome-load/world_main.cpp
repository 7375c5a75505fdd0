#include "world_main.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "metronome/gateway/token.hpp"
#include "world_run.hpp"

namespace metronome::load {
namespace {

constexpr const char* default_data_dir = "metronome-data";  ///< metronome's default --data-dir
constexpr std::int64_t token_ttl_s = 24 * 3600;

/// The first line of `file`, or "" (and `error`) when it holds none.
std::string first_line(const std::filesystem::path& file, std::string& error) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) error = "cannot read a secret from " + file.string();
  return line;
}

}  // namespace

CLI::App* add_world_command(CLI::App& app, world_flags& f) {
  auto* w = app.add_subcommand("world", "Bots for the world gateway's /world (metronome world serve): walk, check, measure");
  auto& c = f.cfg;
  w->add_option("--url", c.url, "ws://IPV4:PORT/world")->capture_default_str();
  w->add_option("--bots", c.bots, "Bots (WebSocket clients), sub bot-0 .. bot-(N-1)")->capture_default_str()->check(CLI::Range(1, 100'000));
  w->add_option("--duration", c.duration_s, "Measuring window (s)")->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  w->add_option("--warmup", c.warmup_s, "After the ramp, before the window (s)")->capture_default_str()->check(CLI::Range(0.0, 600.0));
  w->add_option("--ramp-per-second", c.ramp_per_second, "Connections opened per second (0 = all at once)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  w->add_option("--source-addresses", c.source_addresses, "Bind bots round-robin to 127.0.0.1..127.0.0.K")
      ->capture_default_str()
      ->check(CLI::Range(1, 254));
  w->add_option("--threads", c.threads, "I/O threads")->capture_default_str()->check(CLI::Range(1, 64));
  w->add_option("--check-every", c.check_every, "Ticks between brute-force checks against GET /world/truth (0 = none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100'000));
  w->add_option("--check-bots", c.check_bots, "Bots sampled per check")->capture_default_str()->check(CLI::Range(1, 1000));
  w->add_option("--connect-timeout-ms", c.connect_timeout_ms, "Connect + upgrade + first frame limit (ms)")
      ->capture_default_str()
      ->check(CLI::Range(100, 600'000));
  w->add_option("--seed", c.seed, "Seed of the bots' walks")->capture_default_str();
  w->add_option("--spread", c.spread, "First move (at the speed limit) to a random point within this many world units of the origin")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100'000.0));
  auto* secret = w->add_option("--secret-file", f.secret_file, "The HS256 secret (first line) the gateway checks tokens with");
  w->add_option("--data-dir", f.data_dir, "The data directory whose world-secret the gateway uses (default metronome-data)")
      ->excludes(secret);
  w->add_option("--operator-secret-file", f.operator_secret_file,
                "Bearer for GET /world/truth (first line; default: the token secret, as the gateway's default)");
  w->add_option("--out", c.out, "Write the JSON report here (default stdout)");
  return w;
}

int run_world_command(world_flags& f) {
  auto& c = f.cfg;
  const auto server = parse_url(c.url);
  if (!server || server->scheme != "ws") {
    std::cerr << "metronome-load world: --url must be ws://IPV4:PORT/PATH\n";
    return 2;
  }
  std::string error;
  if (!f.secret_file.empty()) {
    c.secret = first_line(f.secret_file, error);
  } else {
    const std::filesystem::path file = std::filesystem::path(f.data_dir.empty() ? default_data_dir : f.data_dir) / "world-secret";
    if (!std::filesystem::exists(file)) {
      error = file.string() + " does not exist (start the gateway with that --data-dir first, or pass --secret-file)";
    } else {
      c.secret = gateway::load_or_create_secret(file.parent_path());
    }
  }
  if (!error.empty()) {
    std::cerr << "metronome-load world: " << error << "\n";
    return 2;
  }
  c.operator_secret = c.secret;
  if (!f.operator_secret_file.empty()) c.operator_secret = first_line(f.operator_secret_file, error);
  if (!error.empty()) {
    std::cerr << "metronome-load world: --operator-secret-file: " << error << "\n";
    return 2;
  }
  const gateway::token_config tc{.secret = c.secret};
  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<std::string> tokens;
  tokens.reserve(static_cast<std::size_t>(c.bots));
  for (int i = 0; i < c.bots; ++i) tokens.push_back(gateway::sign_token("bot-" + std::to_string(i), token_ttl_s, tc, now_s));

  const world_result r = run_world(c, *server, tokens, std::cout);
  const std::string json = world_report_json(c, r);
  std::cerr << world_report_summary(r);
  if (!c.out.empty()) {
    std::ofstream out(c.out);
    out << json;
    if (!out) {
      std::cerr << "metronome-load world: cannot write " << c.out << "\n";
      return 1;
    }
  } else {
    std::cout << json;
  }
  return world_passed(c, r) ? 0 : 1;
}

}  // namespace metronome::load

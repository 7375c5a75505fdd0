#include "world_serve_command.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <thread>

#include "cli_args.hpp"
#include "metronome/gateway/server.hpp"
#include "metronome/gateway/token.hpp"
#include "metronome/world/command.hpp"
#include "metronome/world/players/open_player_store.hpp"

namespace metronome::cli {
namespace {

struct token_flags {
  std::string sub, ttl, data_dir = default_data_dir;
};

std::int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void print_token(const token_flags& f) {
  if (!world::valid_key(f.sub)) throw usage_error("--sub: 1 to 64 bytes without control characters");
  const std::int64_t ttl = parse_int("--ttl", f.ttl, 1, 366LL * 24 * 3600);
  std::string secret;
  try {
    secret = gateway::load_or_create_secret(f.data_dir);
  } catch (const std::runtime_error& e) {
    throw usage_error(std::string("--data-dir: ") + e.what());
  }
  const gateway::token_config config{.secret = secret};
  const std::string token = gateway::sign_token(f.sub, ttl, config, unix_now_s());
  std::fputs((token + "\n").c_str(), stdout);
}

struct serve_flags {
  std::string port = "8090", data_dir = default_data_dir, seed = "1", npcs = "200", size = "1000", radius = "100", budget = "8000",
              grace_ms = "10000", max_connections = "20000", shards = "1", snapshot_every = "1000", ticks_per_write = "1", leeway_s = "30",
              players_db, operator_secret_file;
  bool persist = false;
};

/// The first line of --operator-secret-file (at least 16 bytes).
std::string read_operator_secret(const std::string& file) {
  std::ifstream in(file);
  std::string secret;
  if (!in || !std::getline(in, secret)) throw usage_error("--operator-secret-file: cannot read " + file);
  if (secret.size() < 16) throw usage_error("--operator-secret-file: the first line must hold at least 16 bytes");
  return secret;
}

volatile std::sig_atomic_t stop_requested = 0;

void serve(const serve_flags& f) {
  gateway::gateway_config c;
  c.port = static_cast<std::uint16_t>(parse_int("--port", f.port, 0, 65535));
  c.world.seed = static_cast<std::uint64_t>(parse_int("--seed", f.seed, 0, std::numeric_limits<std::int64_t>::max()));
  c.world.half_size = static_cast<std::int32_t>(parse_int("--size", f.size, 16, 100'000) * world::units_per_world_unit);
  c.world.aoi_radius = static_cast<std::int32_t>(parse_int("--radius", f.radius, 1, 1000) * world::units_per_world_unit);
  c.world.shards = static_cast<std::uint32_t>(parse_int("--shards", f.shards, 1, 16));
  c.population = {static_cast<std::uint32_t>(parse_int("--npcs", f.npcs, 0, 1'000'000)), 0};
  c.stream.budget_bytes_per_second = static_cast<std::uint32_t>(parse_int("--budget-bytes-per-second", f.budget, 200, 10'000'000));
  c.grace = std::chrono::milliseconds(parse_int("--grace-ms", f.grace_ms, 0, 3'600'000));
  c.max_connections = static_cast<std::size_t>(parse_int("--max-connections", f.max_connections, 1, 100'000));
  c.token.leeway_s = parse_int("--token-leeway-s", f.leeway_s, 0, 300);
  if (auto e = world::validate(c.world, c.population)) throw usage_error("world: " + *e);
  try {
    c.token.secret = gateway::load_or_create_secret(f.data_dir);
  } catch (const std::runtime_error& e) {
    throw usage_error(std::string("--data-dir: ") + e.what());
  }
  const auto snapshot_every = static_cast<std::uint64_t>(parse_int("--snapshot-every", f.snapshot_every, 1, 100'000'000));
  const auto ticks_per_write = static_cast<std::uint32_t>(parse_int("--ticks-per-write", f.ticks_per_write, 1, 10'000));
  const std::filesystem::path dir(f.data_dir);
  if (f.persist) {
    c.durable = world::durable::durable_options{.dir = dir / "world", .snapshot_every = snapshot_every, .ticks_per_write = ticks_per_write};
  }
  if (f.persist || !f.players_db.empty()) {
    c.open_players = [db = f.players_db.empty() ? (dir / "players.db").string() : f.players_db] {
      return world::players::open_player_store(db);
    };
  }
  if (!f.operator_secret_file.empty()) c.operator_secret = read_operator_secret(f.operator_secret_file);
  gateway::world_gateway gw(c);
  if (auto started = gw.start(); !started) {
    std::fprintf(stderr, "metronome: world serve: %s\n", started.error().message.c_str());
    // A data directory that holds another world is the caller's mistake.
    std::exit(started.error().code == errc::conflict ? 2 : 1);
  }
  std::printf("{\"world\":\"ws://127.0.0.1:%u/world\",\"metrics\":\"http://127.0.0.1:%u/metrics\"}\n", gw.port(), gw.port());
  std::fflush(stdout);
  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  while (stop_requested == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  gw.stop();
}

}  // namespace

void add_world_online_commands(CLI::App& world_cmd) {
  auto* token = world_cmd.add_subcommand("token", "Print a JWT (HS256) for a player, signed with the data directory's world secret");
  auto tf = std::make_shared<token_flags>();
  token->add_option("--sub", tf->sub, "The player id (the token's sub)")->required();
  token->add_option("--ttl", tf->ttl, "Seconds the token is valid, 1 to 31622400")->required();
  token->add_option("--data-dir", tf->data_dir, "Where the world secret lives (created on first use, mode 0600)")->capture_default_str();
  token->callback([tf] { print_token(*tf); });

  auto* srv = world_cmd.add_subcommand("serve", "Serve the world on /world (docs/protocol.md, World) until SIGINT/SIGTERM");
  auto sf = std::make_shared<serve_flags>();
  srv->add_option("--port", sf->port, "Port on 127.0.0.1 (0: any free port)")->capture_default_str();
  srv->add_option("--data-dir", sf->data_dir, "Where the world secret lives (and, with --persist, the world and its players)")
      ->capture_default_str();
  srv->add_flag("--persist", sf->persist,
                "Keep the world in DATA_DIR/world (event log before every tick, snapshots; survives kill -9) and player records in "
                "DATA_DIR/players.db; a restart resumes it");
  srv->add_option("--players-db", sf->players_db,
                  "Player records: a SQLite file, or postgresql://... (default with --persist: DATA_DIR/players.db)");
  srv->add_option("--snapshot-every", sf->snapshot_every, "With --persist: ticks between snapshots")->capture_default_str();
  srv->add_option("--ticks-per-write", sf->ticks_per_write,
                  "With --persist: ticks per log write and fsync (1: every tick is on disk before it is sent)")
      ->capture_default_str();
  srv->add_option("--seed", sf->seed, "World seed (decimal)")->capture_default_str();
  srv->add_option("--npcs", sf->npcs, "NPCs the world starts with")->capture_default_str();
  srv->add_option("--size", sf->size, "HALF: the world is [-HALF, HALF]^2 world units")->capture_default_str();
  srv->add_option("--radius", sf->radius, "Area-of-interest radius, world units")->capture_default_str();
  srv->add_option("--shards", sf->shards, "World shards (threads)")->capture_default_str();
  srv->add_option("--budget-bytes-per-second", sf->budget, "Per-client bandwidth budget (B/s)")->capture_default_str();
  srv->add_option("--grace-ms", sf->grace_ms, "A dropped player's entity stays this long (ms)")->capture_default_str();
  srv->add_option("--max-connections", sf->max_connections, "Open /world connections; more get 503")->capture_default_str();
  srv->add_option("--token-leeway-s", sf->leeway_s, "Clock skew allowed on a token's exp and nbf (s); a connection ends at exp + this")
      ->capture_default_str();
  srv->add_option("--operator-secret-file", sf->operator_secret_file,
                  "GET /world/truth needs this file's first line as Bearer (default: the world secret)");
  srv->callback([sf] { serve(*sf); });
}

}  // namespace metronome::cli

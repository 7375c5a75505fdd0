// metronome-load: N WebSocket clients over M sessions of a tick broadcaster
// (or of a plain broadcast peer); reports delivered messages/s, delivery lag
// percentiles, kicks and its own CPU as JSON. See docs/protocol.md.
// `metronome-load world`: bots for the world gateway (world_main.hpp).
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "load_run.hpp"
#include "report.hpp"
#include "session_setup.hpp"
#include "world_main.hpp"

namespace {

/// 10,000 clients need more than 10,000 descriptors.
void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

int run(int argc, char** argv) {
  using namespace metronome::load;
  load_config cfg;
  std::string session_ids;
  std::string create_url;
  std::string protocol = "json";
  std::string peer = "metronome";
  int sessions = 1;
  int tick_ms = 100;

  CLI::App app{"metronome-load: WebSocket load generator for the tick broadcaster"};
  app.add_option("--url", cfg.url, "ws://HOST:PORT/PATH (numeric IPv4 host)")->capture_default_str();
  app.add_option("--clients", cfg.clients, "WebSocket clients")->capture_default_str()->check(CLI::Range(1, 1'000'000));
  app.add_option("--sessions", sessions, "Sessions to create with --create-sessions")->capture_default_str()->check(CLI::Range(1, 100'000));
  app.add_option("--session-ids", session_ids, "Comma-separated session ids to join (client i joins id i mod count)");
  app.add_option("--create-sessions", create_url, "Region HTTP URL (http://HOST:PORT) to create --sessions server-mode sessions on");
  app.add_option("--tick-ms", tick_ms, "Tick length of sessions created with --create-sessions (ms)")->capture_default_str();
  app.add_option("--duration", cfg.duration_s, "Measuring window (s)")->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  app.add_option("--warmup", cfg.warmup_s, "Wait between the end of the ramp and the window (s)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--source-addresses", cfg.source_addresses, "Bind clients round-robin to 127.0.0.1..127.0.0.K")
      ->capture_default_str()
      ->check(CLI::Range(1, 254));
  app.add_option("--pong-delay-ms", cfg.pong_delay_ms, "Delay the pong to every server ping control frame (ms)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60'000));
  app.add_option("--clock-offset-ms", cfg.clock_offset_ms, "The clients' clocks read this much ahead of the system clock (ms)")
      ->capture_default_str();
  app.add_option("--protocol", protocol, "json or bin (metronome.v1.bin)")->capture_default_str()->check(CLI::IsMember({"json", "bin"}));
  app.add_option("--peer", peer, "metronome, or plain (a server that only broadcasts ticks with serverTimestamp)")
      ->capture_default_str()
      ->check(CLI::IsMember({"metronome", "plain"}));
  app.add_option("--threads", cfg.threads, "I/O threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--ramp-per-second", cfg.ramp_per_second, "Connections opened per second (0 = all at once)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--connect-timeout-ms", cfg.connect_timeout_ms, "Connect + handshake + join limit (ms)")
      ->capture_default_str()
      ->check(CLI::Range(100, 600'000));
  app.add_option("--out", cfg.out, "Write the JSON report here");
  world_flags world;
  CLI::App* world_cmd = add_world_command(app, world);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "metronome-load: " << e.what() << "\n";
    return 2;  // bad flags
  }
  if (world_cmd->parsed()) {
    raise_fd_limit();
    return run_world_command(world);
  }

  cfg.protocol = protocol == "bin" ? wire_protocol::bin : wire_protocol::json;
  cfg.peer = peer == "plain" ? peer_kind::plain : peer_kind::metronome;
  const auto server = parse_url(cfg.url);
  if (!server || server->scheme != "ws") {
    std::cerr << "metronome-load: --url must be ws://IPV4:PORT/PATH\n";
    return 2;
  }
  if (cfg.peer == peer_kind::metronome) {
    if (!create_url.empty()) {
      const auto region = parse_url(create_url);
      if (!region || region->scheme != "http") {
        std::cerr << "metronome-load: --create-sessions must be http://IPV4:PORT\n";
        return 2;
      }
      auto created = create_sessions(*region, sessions, tick_ms);
      if (!created.error.empty()) {
        std::cerr << "metronome-load: creating sessions: " << created.error << "\n";
        return 1;
      }
      cfg.session_ids = std::move(created.ids);
    } else {
      std::stringstream ids(session_ids);
      for (std::string id; std::getline(ids, id, ',');) {
        if (!id.empty()) cfg.session_ids.push_back(id);
      }
    }
    if (cfg.session_ids.empty()) {
      std::cerr << "metronome-load: --peer metronome needs --session-ids or --create-sessions\n";
      return 2;
    }
  }
  raise_fd_limit();

  const load_result result = run_load(cfg, *server, std::cout);
  const std::string json = report_json(cfg, result);
  std::cerr << report_summary(result);
  if (!cfg.out.empty()) {
    std::ofstream f(cfg.out);
    f << json;
    if (!f) {
      std::cerr << "metronome-load: cannot write " << cfg.out << "\n";
      return 1;
    }
  } else {
    std::cout << json;
  }
  return result.connected > 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "metronome-load: error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "metronome-load: error: an unknown exception\n";
  }
  return 1;
}

// A region node's configuration. Every field has an environment variable
// (seed 002's names where it has one) and a command-line flag; see
// `metronome region --help` and docs/configuration.md.
#pragma once

#include <cstdint>
#include <string>

#include "metronome/net/server.hpp"

namespace metronome::region {

struct region_config {
  std::string region = "eu";  ///< REGION: this node's region name ([a-z0-9-], 1-32 chars). Default "eu".
  std::string store_url =
      "sqlite:metronome.db";           ///< STORE: sqlite:PATH, redis://HOST:PORT or redis-cluster://H:P,... Default sqlite:metronome.db.
  std::int64_t countdown_ms = 3000;    ///< COUNTDOWN_MS: new sessions start this long after creation (ms). Default 3000.
  std::int64_t default_tick_ms = 100;  ///< DEFAULT_TICK_MS: tick when a request names none (ms). Default 100.
  bool is_main = false;                ///< IS_MAIN: seed 002's main-server flag. Default false.
  std::string main_server_url;         ///< MAIN_SERVER_URL: registry to register with when not main. Default none.
  std::int64_t register_interval_seconds = 30;  ///< REGISTER_INTERVAL_SECONDS: heartbeat period (s). Default 30.
  std::string advertise_url;                    ///< ADVERTISE_URL: this node's URL as the registry hands it out. Default http://HOST:PORT.
  std::string ws_url;                           ///< WS_URL: this node's WebSocket endpoint as the registry hands it out. Default none.
  bool access_log = true;                       ///< ACCESS_LOG: one JSON line per request. Default true.
  net::server_config http;                      ///< HOST, PORT, THREADS and the HTTP limits.
  std::string nats_url;                         ///< NATS_URL: publish events there (docs/events.md). Default none: no events.
};

}  // namespace metronome::region

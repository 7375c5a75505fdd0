// metronome-load's configuration: one aggregate with defaults, filled by
// main.cpp from the command line. No I/O here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace metronome::load {

/// Frame encoding offered to the server (docs/protocol.md, "Connecting").
enum class wire_protocol { json, bin };

/// What the server on the other end speaks.
enum class peer_kind {
  metronome,  ///< join, server pings to echo, client pings for clock sync, steps
  plain,      ///< just broadcasts {"type":"tick",...,"serverTimestamp":T}; no join, no pings
};

struct load_config {
  std::string url = "ws://127.0.0.1:8080/ws";    ///< ws://HOST:PORT/PATH; HOST must be a numeric IPv4 address
  int clients = 100;                             ///< WebSocket connections to open
  std::vector<std::string> session_ids;          ///< sessions to join, client i joins session_ids[i % size]
  int source_addresses = 1;                      ///< bind client i to 127.0.0.(1 + i % K); 1 to 254
  int pong_delay_ms = 0;                         ///< answer the server's ping control frames this much later (ms); 0 = at once
  std::int64_t clock_offset_ms = 0;              ///< the client's clock reads this much ahead of the system clock (ms)
  wire_protocol protocol = wire_protocol::json;  ///< encoding to offer
  peer_kind peer = peer_kind::metronome;         ///< server dialect
  int threads = 1;                               ///< I/O threads, one io_context each
  double ramp_per_second = 1000;                 ///< connections opened per second (0 = all at once)
  double warmup_s = 2;                           ///< wait after the ramp before measuring (s)
  double duration_s = 15;                        ///< measuring window (s)
  int connect_timeout_ms = 10'000;               ///< connect + handshake + join must finish within this (ms)
  std::string out;                               ///< JSON report file; empty = none
};

}  // namespace metronome::load

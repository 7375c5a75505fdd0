// `metronome-load world`'s configuration: one aggregate with defaults,
// filled by world_main.cpp from the command line. No I/O here.
#pragma once

#include <cstdint>
#include <string>

namespace metronome::load {

struct world_load_config {
  std::string url = "ws://127.0.0.1:8090/world";  ///< the gateway's /world; HOST a numeric IPv4 address
  int bots = 50;                                  ///< WebSocket clients, sub bot-0 .. bot-(N-1)
  double duration_s = 10;                         ///< measuring window (s)
  double warmup_s = 2;                            ///< after the ramp, before the window (s)
  double ramp_per_second = 500;                   ///< connections opened per second (0 = all at once)
  int source_addresses = 32;                      ///< bind bot i to 127.0.0.(1 + i % K): the gateway limits new connections per IP
  int threads = 1;                                ///< I/O threads, one io_context each
  int check_every = 20;                           ///< ticks between brute-force checks; 0 = none
  int check_bots = 4;                             ///< bots sampled per check
  double spread = 0;                              ///< first move to a random point this far from the origin (world units)
  int connect_timeout_ms = 10'000;                ///< connect + upgrade + welcome within this (ms)
  std::uint64_t seed = 1;                         ///< the walks' random streams
  std::string secret;                             ///< HS256 key the tokens are signed with
  std::string operator_secret;                    ///< Bearer for GET /world/truth
  std::string out;                                ///< JSON report file; empty = stdout
};

}  // namespace metronome::load

// The messages metronome-load reads and writes (docs/protocol.md, JSON and
// metronome.v1.bin). No I/O.
//
// The JSON reader is a field scanner, not a parser: it finds top-level
// scalar fields by key ("step":123) in the compact JSON the servers send.
// That is enough for the fields used here (none of their keys occurs in a
// nested object of the messages that carry them) and costs no allocation on
// the tick path, which runs 100,000 times a second at 10,000 clients.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "load_config.hpp"

namespace metronome::load {

enum class server_message_type { unknown, session_joined, tick, ping, pong, countdown, latency_status, kicked, stopped, error };

struct server_message {
  server_message_type type = server_message_type::unknown;
  std::optional<std::int64_t> step;              ///< tick
  std::optional<std::int64_t> server_timestamp;  ///< serverTimestamp (ms since the epoch)
  std::int64_t client_timestamp = 0;             ///< pong: clientTimestamp echoed (ms)
  std::int64_t seq = 0;                          ///< ping: sequence number
  std::int64_t start_at_ms = 0;                  ///< session_joined: startAt
  std::int64_t tick_ms = 0;                      ///< session_joined: tickMs
  bool warning = false;                          ///< latency_status: "warning"
  std::int64_t rtt_us = 0;                       ///< latency_status: the server's mean RTT (us)
  std::string_view reason;                       ///< kicked: reason (a view into the frame; JSON only)
};

/// Decodes a JSON text frame.
server_message decode_json(std::string_view text);
/// Decodes a metronome.v1.bin frame (0x7F frames carry JSON).
server_message decode_binary(std::string_view frame);

/// Client messages, encoded for the protocol in use.
std::string encode_join(wire_protocol p, std::string_view session_id, std::string_view user_id);
std::string encode_ping(wire_protocol p, std::int64_t client_timestamp_ms);

namespace detail {
/// The integer value of top-level field key, if present and an integer.
std::optional<std::int64_t> json_int(std::string_view text, std::string_view key);
/// The numeric value of field key (integer or decimal), if present.
std::optional<double> json_number(std::string_view text, std::string_view key);
/// The string value of field key (no unescaping: values here are plain).
std::optional<std::string_view> json_string(std::string_view text, std::string_view key);
}  // namespace detail

}  // namespace metronome::load

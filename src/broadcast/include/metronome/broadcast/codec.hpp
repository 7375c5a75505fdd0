// Encoding of the protocol's messages (docs/protocol.md) in JSON and in the
// metronome.v1.bin subprotocol, and decoding of client messages. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "metronome/engine/state.hpp"

namespace metronome::broadcast {

enum class wire { json, binary };

inline constexpr std::string_view json_subprotocol = "metronome.v1.json";
inline constexpr std::string_view binary_subprotocol = "metronome.v1.bin";

namespace bin {
// 0x03 was the server's application-level ping; latency is measured with
// RFC 6455 ping control frames now, and 0x03 is not reused.
inline constexpr std::uint8_t tick = 0x01, countdown = 0x02, pong = 0x04, latency_status = 0x05;
inline constexpr std::uint8_t client_ping = 0x11, client_pong = 0x12, json_envelope = 0x7F;
}  // namespace bin

std::string encode_tick(wire w, const engine::state& s, std::int64_t server_ms);
std::string encode_countdown(wire w, std::int64_t remaining_ms, std::int64_t server_ms);
/// The payload of the server's ping control frames: "mtp" and the ping's
/// sequence number as 4 bytes little-endian (7 bytes). Opaque to clients,
/// whose WebSocket stack echoes it in the pong control frame.
std::string encode_ping_payload(std::uint32_t seq);
/// The sequence number of a pong's payload, if the payload is one of ours.
std::optional<std::uint32_t> decode_ping_payload(std::string_view payload) noexcept;
std::string encode_pong(wire w, std::int64_t client_ms, std::int64_t server_ms);
std::string encode_latency_status(wire w, bool warning, double rtt_ms, double jitter_ms);
/// Any other message, given as a JSON object's text: itself, or 0x7F + JSON.
std::string encode_document(wire w, std::string json_object);

struct join_message {
  std::string session_id, user_id;
  /// `after`: the last step the client received (a resume after `migrate`
  /// or a reconnection): the server sends every step after it, up to the
  /// current one, before the live ticks. -1: none yet. Absent: only the
  /// current step, as seed 001.
  std::optional<std::int64_t> after;
};
struct ping_message {
  std::int64_t client_ms = 0;
};
struct pong_message {
  std::uint32_t seq = 0;
  std::int64_t server_ms = 0;
};
struct leave_message {};
struct decode_error {
  std::string code;  ///< bad_message, unknown_action, bad_field
  std::string message;
};

using client_message = std::variant<join_message, ping_message, pong_message, leave_message, decode_error>;

/// Decodes one client frame (text or binary). Never throws.
client_message decode_client(std::string_view data, bool binary);

}  // namespace metronome::broadcast

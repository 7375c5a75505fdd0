// The binary protocol of /world (docs/protocol.md, "World"): every message
// both ways, encoded and decoded, and nothing else. Pure: no I/O, no clock.
// A decoder accepts exactly what the document describes and refuses the rest
// with a message; it never reads past its input or allocates more than its
// input can justify.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace metronome::gateway::wire {

inline constexpr std::string_view subprotocol = "metronome.world.v1";

/// Positions on the wire are in q = 1/32 world unit = 8 fixed-point units.
inline constexpr std::int32_t fixed_per_q = 8;
inline constexpr std::int32_t q_per_world_unit = 32;
/// floor((f + 4) / 8): the nearest q (ties up); |dequantize(quantize(f)) - f| <= 4.
constexpr std::int32_t quantize(std::int32_t fixed) noexcept {
  const std::int64_t f = std::int64_t{fixed} + fixed_per_q / 2;
  return static_cast<std::int32_t>(f >= 0 ? f / fixed_per_q : -((-f + fixed_per_q - 1) / fixed_per_q));
}
constexpr std::int64_t dequantize(std::int64_t q) noexcept { return q * fixed_per_q; }

// Limits a decoder enforces.
inline constexpr std::size_t max_key_bytes = 64;
inline constexpr std::size_t max_text_bytes = 4096;
inline constexpr std::uint32_t max_id = 4'000'000;  // world::max_entities

enum class msg_type : std::uint8_t {
  command = 0x01,  ///< client: a world command
  ack = 0x02,      ///< client: the newest tick frame applied
  welcome = 0x10,  ///< server: first message
  frame = 0x11,    ///< server: one tick
  error = 0x7F,    ///< server: before a close with a reason
};

// ---- client to server ----

enum class command_kind : std::uint8_t { velocity = 0, move_to = 1, stop = 2, emote = 3 };

struct command_msg {
  std::uint64_t seq = 0;
  command_kind kind = command_kind::stop;
  std::int32_t a = 0, b = 0;  ///< velocity (vx, vy) or move-to target (x, y), fixed-point units
  std::int32_t speed = 0;     ///< move-to speed, units per tick (>= 0)
  std::string text{};         ///< emote
  bool operator==(const command_msg&) const = default;
};

struct ack_msg {
  std::uint64_t tick = 0;
  bool operator==(const ack_msg&) const = default;
};

using client_msg = std::variant<command_msg, ack_msg>;

// ---- server to client ----

struct welcome_msg {
  std::uint32_t entity = 0;
  bool resumed = false;
  std::uint32_t tick_hz = 20;
  std::uint32_t q_per_unit = q_per_world_unit;
  std::uint32_t half = 0, radius = 0, margin = 0;  ///< q
  std::uint32_t max_speed = 0;                     ///< fixed-point units per tick
  std::string key{};
  bool operator==(const welcome_msg&) const = default;
};

enum class event_type : std::uint8_t { enter = 0x01, leave = 0x02, emote = 0x03, rejected = 0x04 };

struct enter_event {
  std::uint32_t id = 0;
  std::uint8_t kind = 0;      ///< 0 player, 1 NPC
  std::int32_t x = 0, y = 0;  ///< q
  std::string key{};
  bool operator==(const enter_event&) const = default;
};
struct leave_event {
  std::uint32_t id = 0;
  bool operator==(const leave_event&) const = default;
};
struct emote_event {
  std::uint32_t id = 0;
  std::string text{};
  bool operator==(const emote_event&) const = default;
};
struct rejected_event {
  std::uint64_t seq = 0;
  std::uint8_t reason = 0;  ///< world::reject_reason
  bool operator==(const rejected_event&) const = default;
};
using event = std::variant<enter_event, leave_event, emote_event, rejected_event>;

struct update {
  std::uint32_t id = 0;
  bool absolute = false;
  std::int32_t x = 0, y = 0;  ///< q, absolute or relative to the position at `base`
  bool operator==(const update&) const = default;
};

struct frame_msg {
  std::uint64_t tick = 0;
  bool reset = false;
  std::uint64_t base = 0;
  std::vector<event> events;
  std::vector<update> updates;  ///< ids strictly ascending
  bool operator==(const frame_msg&) const = default;
};

struct error_msg {
  std::string code, message;
  bool operator==(const error_msg&) const = default;
};

using server_msg = std::variant<welcome_msg, frame_msg, error_msg>;

// ---- primitives ----

/// Appends to a string; never fails.
class writer {
 public:
  explicit writer(std::string& out) noexcept : out_(&out) {}
  void u8(std::uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void varint(std::uint64_t v);
  void svarint(std::int64_t v) { varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
  void string(std::string_view s);
  void raw(std::string_view s) { out_->append(s); }
  std::string& out() noexcept { return *out_; }

 private:
  std::string* out_;
};

/// Reads from a view; the first failure sticks (every later read returns 0)
/// and error() says what failed.
class reader {
 public:
  explicit reader(std::string_view in) noexcept : in_(in) {}
  std::uint8_t u8();
  std::uint64_t varint();
  std::int64_t svarint();
  /// An unsigned varint no larger than `max`.
  std::uint64_t varint_max(std::uint64_t max, const char* what);
  /// A signed varint that fits an int32.
  std::int32_t svarint32(const char* what);
  std::string string(std::size_t max_bytes, const char* what);
  bool ok() const noexcept { return error_.empty(); }
  bool at_end() const noexcept { return pos_ == in_.size(); }
  std::size_t remaining() const noexcept { return in_.size() - pos_; }
  const std::string& error() const noexcept { return error_; }
  void fail(std::string why);

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  std::string error_;
};

// ---- messages ----

void encode(const command_msg& m, std::string& out);
void encode(const ack_msg& m, std::string& out);
void encode(const welcome_msg& m, std::string& out);
void encode(const frame_msg& m, std::string& out);
void encode(const error_msg& m, std::string& out);
void encode_event(const event& e, writer& w);
void encode(const client_msg& m, std::string& out);
void encode(const server_msg& m, std::string& out);

/// A decoded message, or why the bytes are not one.
template <class T>
struct decoded {
  std::optional<T> msg;
  std::string error;
};

decoded<client_msg> decode_client(std::string_view bytes);
decoded<server_msg> decode_server(std::string_view bytes);

}  // namespace metronome::gateway::wire

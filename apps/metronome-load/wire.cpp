#include "wire.hpp"

#include <charconv>

namespace metronome::load {
namespace detail {
namespace {

/// Position just after `"key":` (and any spaces), or npos.
std::size_t value_pos(std::string_view text, std::string_view key) {
  std::size_t from = 0;
  while (true) {
    const std::size_t at = text.find(key, from);
    if (at == std::string_view::npos) return at;
    from = at + 1;
    if (at == 0 || text[at - 1] != '"') continue;
    std::size_t p = at + key.size();
    if (p >= text.size() || text[p] != '"') continue;
    ++p;
    while (p < text.size() && text[p] == ' ') ++p;
    if (p >= text.size() || text[p] != ':') continue;
    ++p;
    while (p < text.size() && text[p] == ' ') ++p;
    return p;
  }
}

}  // namespace

std::optional<std::int64_t> json_int(std::string_view text, std::string_view key) {
  const std::size_t p = value_pos(text, key);
  if (p == std::string_view::npos) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data() + p, text.data() + text.size(), v);
  if (ec != std::errc{}) return std::nullopt;
  (void)end;
  return v;
}

std::optional<double> json_number(std::string_view text, std::string_view key) {
  const std::size_t p = value_pos(text, key);
  if (p == std::string_view::npos) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data() + p, text.data() + text.size(), v);
  if (ec != std::errc{}) return std::nullopt;
  (void)end;
  return v;
}

std::optional<std::string_view> json_string(std::string_view text, std::string_view key) {
  const std::size_t p = value_pos(text, key);
  if (p == std::string_view::npos || p >= text.size() || text[p] != '"') return std::nullopt;
  const std::size_t close = text.find('"', p + 1);
  if (close == std::string_view::npos) return std::nullopt;
  return text.substr(p + 1, close - p - 1);
}

}  // namespace detail

namespace {

std::int64_t read_i64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<std::int64_t>(v);
}

std::uint32_t read_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void put_i64(std::string& out, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i, u >>= 8) out.push_back(static_cast<char>(u & 0xFF));
}

server_message_type type_named(std::string_view t) {
  using enum server_message_type;
  if (t == "tick") return tick;
  if (t == "ping") return ping;
  if (t == "pong") return pong;
  if (t == "countdown") return countdown;
  if (t == "latency_status") return latency_status;
  if (t == "session_joined") return session_joined;
  if (t == "kicked") return kicked;
  if (t == "stopped") return stopped;
  if (t == "error") return error;
  return unknown;
}

}  // namespace

server_message decode_json(std::string_view text) {
  using enum server_message_type;
  server_message m;
  const auto type = detail::json_string(text, "type");
  if (!type) return m;
  m.type = type_named(*type);
  switch (m.type) {
    case tick:
      m.step = detail::json_int(text, "step");
      m.server_timestamp = detail::json_int(text, "serverTimestamp");
      break;
    case ping:
      m.seq = detail::json_int(text, "seq").value_or(0);
      m.server_timestamp = detail::json_int(text, "serverTimestamp");
      break;
    case pong:
      m.client_timestamp = detail::json_int(text, "clientTimestamp").value_or(0);
      m.server_timestamp = detail::json_int(text, "serverTimestamp");
      break;
    case session_joined:
      m.start_at_ms = detail::json_int(text, "startAt").value_or(0);
      m.tick_ms = detail::json_int(text, "tickMs").value_or(0);
      m.server_timestamp = detail::json_int(text, "serverTimestamp");
      break;
    case latency_status:
      m.warning = detail::json_string(text, "status").value_or("ok") == "warning";
      m.rtt_us = static_cast<std::int64_t>(detail::json_number(text, "rttMs").value_or(0) * 1000);
      break;
    case kicked: m.reason = detail::json_string(text, "reason").value_or(""); break;
    default: break;
  }
  return m;
}

server_message decode_binary(std::string_view f) {
  using enum server_message_type;
  server_message m;
  if (f.empty()) return m;
  const char* p = f.data() + 1;
  switch (static_cast<unsigned char>(f[0])) {
    case 0x01:
      if (f.size() < 34) return m;
      m.type = tick;
      m.step = read_i64(p + 1);
      m.server_timestamp = read_i64(p + 25);
      break;
    case 0x02:
      if (f.size() < 17) return m;
      m.type = countdown;
      m.server_timestamp = read_i64(p + 8);
      break;
    case 0x03:
      if (f.size() < 13) return m;
      m.type = ping;
      m.seq = read_u32(p);
      m.server_timestamp = read_i64(p + 4);
      break;
    case 0x04:
      if (f.size() < 17) return m;
      m.type = pong;
      m.client_timestamp = read_i64(p);
      m.server_timestamp = read_i64(p + 8);
      break;
    case 0x05:
      if (f.size() < 10) return m;
      m.type = latency_status;
      m.warning = p[0] != 0;
      m.rtt_us = read_u32(p + 1);
      break;
    case 0x7F: return decode_json(f.substr(1));
    default: break;
  }
  return m;
}

std::string encode_join(wire_protocol p, std::string_view session_id, std::string_view user_id) {
  std::string out;
  if (p == wire_protocol::bin) out.push_back('\x7F');
  out += R"({"action":"join","sessionId":")";
  out += session_id;
  out += R"(","userId":")";
  out += user_id;
  out += "\"}";
  return out;
}

std::string encode_ping(wire_protocol p, std::int64_t client_timestamp_ms) {
  std::string out;
  if (p == wire_protocol::bin) {
    out.push_back('\x11');
    put_i64(out, client_timestamp_ms);
    return out;
  }
  out = R"({"action":"ping","clientTimestamp":)" + std::to_string(client_timestamp_ms) + "}";
  return out;
}

}  // namespace metronome::load

#include "metronome/broadcast/codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>

#include <fmt/format.h>

namespace metronome::broadcast {
namespace {

void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }

template <class T>
void put_le(std::string& out, T v) {
  auto u = static_cast<std::make_unsigned_t<T>>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<char>(u & 0xFF));
    u = static_cast<decltype(u)>(u >> 8);
  }
}

template <class T>
T get_le(std::string_view in, std::size_t at) {
  std::make_unsigned_t<T> u = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    u = static_cast<decltype(u)>(u | static_cast<decltype(u)>(static_cast<std::uint8_t>(in[at + i])) << (8 * i));
  }
  return static_cast<T>(u);
}

std::uint32_t micros(double ms) { return ms <= 0 ? 0 : static_cast<std::uint32_t>(std::min(ms * 1000.0, 4.0e9)); }

decode_error bad(std::string code, std::string message) { return decode_error{std::move(code), std::move(message)}; }

/// A JSON integer that fits an int64.
bool read_int(const boost::json::object& o, std::string_view name, std::int64_t& out) {
  const boost::json::value* v = o.if_contains(name);
  if (v == nullptr) return false;
  if (const auto* i = v->if_int64()) {
    out = *i;
    return true;
  }
  if (const auto* u = v->if_uint64(); u && *u <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(*u);
    return true;
  }
  if (const auto* d = v->if_double(); d && std::isfinite(*d) && std::abs(*d) < 9.0e15) {  // JS clients send numbers
    out = static_cast<std::int64_t>(*d);
    return true;
  }
  return false;
}

bool read_id(const boost::json::object& o, std::string_view name, std::string& out) {
  const boost::json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return false;
  out = std::string(v->as_string());
  if (out.empty() || out.size() > 128) return false;
  for (const char c : out) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

client_message decode_json(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 8;
  const boost::json::value v = boost::json::parse(text, ec, {}, opts);
  if (ec || !v.is_object()) return bad("bad_message", "messages are JSON objects");
  const boost::json::object& o = v.as_object();
  const boost::json::value* action = o.if_contains("action");
  if (action == nullptr || !action->is_string()) return bad("bad_message", "action is required");
  const std::string_view a = action->as_string();
  if (a == "join") {
    join_message m;
    if (!read_id(o, "sessionId", m.session_id) || !read_id(o, "userId", m.user_id)) {
      return bad("bad_field", "join needs sessionId and userId strings of 1 to 128 characters");
    }
    if (const boost::json::value* after = o.if_contains("after"); after != nullptr && !after->is_null()) {
      std::int64_t step = 0;
      if (!after->is_int64() && !after->is_uint64() && !(after->is_double() && std::trunc(after->as_double()) == after->as_double())) {
        return bad("bad_field", "after must be an integer step, -1 or more");
      }
      if (!read_int(o, "after", step) || step < -1) return bad("bad_field", "after must be an integer step, -1 or more");
      m.after = step;
    }
    return m;
  }
  if (a == "ping") {
    ping_message m;
    if (!read_int(o, "clientTimestamp", m.client_ms)) return bad("bad_field", "ping needs a numeric clientTimestamp");
    return m;
  }
  if (a == "pong") {
    pong_message m;
    std::int64_t seq = 0;
    if (!read_int(o, "seq", seq) || seq < 0 || seq > UINT32_MAX || !read_int(o, "serverTimestamp", m.server_ms)) {
      return bad("bad_field", "pong needs the seq and serverTimestamp of the server's ping");
    }
    m.seq = static_cast<std::uint32_t>(seq);
    return m;
  }
  if (a == "leave") return leave_message{};
  return bad("unknown_action", "unknown action '" + std::string(a.substr(0, 32)) + "'");
}

}  // namespace

std::string encode_tick(wire w, const engine::state& s, std::int64_t server_ms) {
  if (w == wire::json) {
    return fmt::format(R"({{"type":"tick","step":{},"value":{},"round":{},"broken":{},"serverTimestamp":{}}})", s.step, s.value, s.round,
                       s.broken, server_ms);
  }
  std::string out;
  out.reserve(34);
  put_u8(out, bin::tick);
  put_u8(out, s.broken ? 1 : 0);
  put_le<std::int64_t>(out, s.step);
  put_le<std::int64_t>(out, s.value);
  put_le<std::int64_t>(out, s.round);
  put_le<std::int64_t>(out, server_ms);
  return out;
}

std::string encode_countdown(wire w, std::int64_t remaining_ms, std::int64_t server_ms) {
  if (w == wire::json) return fmt::format(R"({{"type":"countdown","remainingMs":{},"serverTimestamp":{}}})", remaining_ms, server_ms);
  std::string out;
  put_u8(out, bin::countdown);
  put_le<std::int64_t>(out, remaining_ms);
  put_le<std::int64_t>(out, server_ms);
  return out;
}

namespace {
constexpr std::string_view ping_tag = "mtp";
}  // namespace

std::string encode_ping_payload(std::uint32_t seq) {
  std::string out(ping_tag);
  put_le<std::uint32_t>(out, seq);
  return out;
}

std::optional<std::uint32_t> decode_ping_payload(std::string_view payload) noexcept {
  if (payload.size() != ping_tag.size() + 4 || payload.substr(0, ping_tag.size()) != ping_tag) return std::nullopt;
  return get_le<std::uint32_t>(payload, ping_tag.size());
}

std::string encode_pong(wire w, std::int64_t client_ms, std::int64_t server_ms) {
  if (w == wire::json) return fmt::format(R"({{"type":"pong","clientTimestamp":{},"serverTimestamp":{}}})", client_ms, server_ms);
  std::string out;
  put_u8(out, bin::pong);
  put_le<std::int64_t>(out, client_ms);
  put_le<std::int64_t>(out, server_ms);
  return out;
}

std::string encode_latency_status(wire w, bool warning, double rtt_ms, double jitter_ms) {
  if (w == wire::json) {
    return fmt::format(R"({{"type":"latency_status","status":"{}","rttMs":{:.3f},"jitterMs":{:.3f}}})", warning ? "warning" : "ok", rtt_ms,
                       jitter_ms);
  }
  std::string out;
  put_u8(out, bin::latency_status);
  put_u8(out, warning ? 1 : 0);
  put_le<std::uint32_t>(out, micros(rtt_ms));
  put_le<std::uint32_t>(out, micros(jitter_ms));
  return out;
}

std::string encode_document(wire w, std::string json_object) {
  if (w == wire::json) return json_object;
  json_object.insert(json_object.begin(), static_cast<char>(bin::json_envelope));
  return json_object;
}

client_message decode_client(std::string_view data, bool binary) {
  if (!binary) return decode_json(data);
  if (data.empty()) return bad("bad_message", "empty frame");
  const auto type = static_cast<std::uint8_t>(data[0]);
  if (type == bin::client_ping) {
    if (data.size() != 9) return bad("bad_message", "a binary ping is 9 bytes");
    return ping_message{get_le<std::int64_t>(data, 1)};
  }
  if (type == bin::client_pong) {
    if (data.size() != 13) return bad("bad_message", "a binary pong is 13 bytes");
    return pong_message{get_le<std::uint32_t>(data, 1), get_le<std::int64_t>(data, 5)};
  }
  if (type == bin::json_envelope) return decode_json(data.substr(1));
  return bad("unknown_action", "unknown binary message type");
}

}  // namespace metronome::broadcast

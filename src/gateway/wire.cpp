#include "metronome/gateway/wire.hpp"

#include <limits>

namespace metronome::gateway::wire {

void writer::varint(std::uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void writer::string(std::string_view s) {
  varint(s.size());
  out_->append(s);
}

void reader::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  pos_ = in_.size();
}

std::uint8_t reader::u8() {
  if (!ok()) return 0;
  if (pos_ >= in_.size()) {
    fail("ends inside a field");
    return 0;
  }
  return static_cast<std::uint8_t>(in_[pos_++]);
}

std::uint64_t reader::varint() {
  std::uint64_t v = 0;
  for (unsigned shift = 0; ok(); shift += 7) {
    if (pos_ >= in_.size()) {
      fail("ends inside a varint");
      return 0;
    }
    const auto b = static_cast<std::uint8_t>(in_[pos_++]);
    // The tenth byte may carry only the 64th bit.
    if (shift == 63 && (b & 0x7E) != 0) {
      fail("varint over 64 bits");
      return 0;
    }
    v |= std::uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) return v;
    if (shift == 63) {
      fail("varint longer than 10 bytes");
      return 0;
    }
  }
  return 0;
}

std::int64_t reader::svarint() {
  const std::uint64_t z = varint();
  return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

std::uint64_t reader::varint_max(std::uint64_t max, const char* what) {
  const std::uint64_t v = varint();
  if (ok() && v > max) {
    fail(std::string(what) + " out of range");
    return 0;
  }
  return v;
}

std::int32_t reader::svarint32(const char* what) {
  const std::int64_t v = svarint();
  if (ok() && (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())) {
    fail(std::string(what) + " out of range");
    return 0;
  }
  return static_cast<std::int32_t>(v);
}

std::string reader::string(std::size_t max_bytes, const char* what) {
  const std::uint64_t n = varint();
  if (!ok()) return {};
  if (n > max_bytes) {
    fail(std::string(what) + " longer than " + std::to_string(max_bytes) + " bytes");
    return {};
  }
  if (n > remaining()) {
    fail(std::string(what) + " runs past the end");
    return {};
  }
  std::string s(in_.substr(pos_, static_cast<std::size_t>(n)));
  pos_ += static_cast<std::size_t>(n);
  return s;
}

namespace {

constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t i32_max = std::numeric_limits<std::int32_t>::max();

void type_byte(writer& w, msg_type t) { w.u8(static_cast<std::uint8_t>(t)); }

template <class T>
decoded<T> finish(reader& r, T msg) {
  if (r.ok() && !r.at_end()) r.fail("bytes left after the message");
  if (!r.ok()) return {std::nullopt, r.error()};
  return {std::move(msg), {}};
}

command_msg read_command(reader& r) {
  command_msg m;
  m.seq = r.varint();
  const std::uint8_t kind = r.u8();
  if (r.ok() && kind > static_cast<std::uint8_t>(command_kind::emote)) r.fail("unknown command kind");
  m.kind = static_cast<command_kind>(kind);
  switch (m.kind) {
    case command_kind::velocity:
      m.a = r.svarint32("vx");
      m.b = r.svarint32("vy");
      break;
    case command_kind::move_to:
      m.a = r.svarint32("x");
      m.b = r.svarint32("y");
      m.speed = static_cast<std::int32_t>(r.varint_max(i32_max, "speed"));
      break;
    case command_kind::stop: break;
    case command_kind::emote: m.text = r.string(max_text_bytes, "emote text"); break;
  }
  return m;
}

event read_event(reader& r) {
  const std::uint8_t t = r.u8();
  switch (static_cast<event_type>(t)) {
    case event_type::enter: {
      enter_event e;
      e.id = static_cast<std::uint32_t>(r.varint_max(max_id, "id"));
      e.kind = r.u8();
      if (r.ok() && e.kind > 1) r.fail("unknown entity kind");
      e.x = r.svarint32("x");
      e.y = r.svarint32("y");
      e.key = r.string(max_key_bytes, "key");
      return e;
    }
    case event_type::leave: return leave_event{static_cast<std::uint32_t>(r.varint_max(max_id, "id"))};
    case event_type::emote: {
      emote_event e;
      e.id = static_cast<std::uint32_t>(r.varint_max(max_id, "id"));
      e.text = r.string(max_text_bytes, "emote text");
      return e;
    }
    case event_type::rejected: {
      rejected_event e;
      e.seq = r.varint();
      e.reason = r.u8();
      return e;
    }
  }
  r.fail("unknown event type");
  return leave_event{};
}

frame_msg read_frame(reader& r) {
  frame_msg m;
  m.tick = r.varint();
  const std::uint8_t flags = r.u8();
  if (r.ok() && (flags & ~1u) != 0) r.fail("unknown frame flags");
  m.reset = (flags & 1u) != 0;
  m.base = r.varint();
  if (r.ok() && m.base >= m.tick && m.base != 0) r.fail("base not before tick");
  // Every event takes at least 2 bytes and every update 3: counts beyond that cannot be honest.
  const std::uint64_t events = r.varint_max(r.remaining() / 2, "event count");
  for (std::uint64_t i = 0; i < events && r.ok(); ++i) m.events.push_back(read_event(r));
  const std::uint64_t updates = r.varint_max(r.remaining() / 3, "update count");
  std::uint64_t id = 0;
  for (std::uint64_t i = 0; i < updates && r.ok(); ++i) {
    const std::uint64_t head = r.varint();
    const std::uint64_t gap = head >> 1;
    if (r.ok() && i > 0 && gap == 0) r.fail("update ids not ascending");
    id += gap;
    if (r.ok() && (gap > max_id || id > max_id)) r.fail("id out of range");
    update u;
    u.id = static_cast<std::uint32_t>(id);
    u.absolute = (head & 1u) != 0;
    u.x = r.svarint32("x");
    u.y = r.svarint32("y");
    if (r.ok()) m.updates.push_back(u);
  }
  return m;
}

}  // namespace

void encode(const command_msg& m, std::string& out) {
  writer w(out);
  type_byte(w, msg_type::command);
  w.varint(m.seq);
  w.u8(static_cast<std::uint8_t>(m.kind));
  switch (m.kind) {
    case command_kind::velocity:
      w.svarint(m.a);
      w.svarint(m.b);
      break;
    case command_kind::move_to:
      w.svarint(m.a);
      w.svarint(m.b);
      w.varint(static_cast<std::uint64_t>(m.speed < 0 ? 0 : m.speed));
      break;
    case command_kind::stop: break;
    case command_kind::emote: w.string(m.text); break;
  }
}

void encode(const ack_msg& m, std::string& out) {
  writer w(out);
  type_byte(w, msg_type::ack);
  w.varint(m.tick);
}

void encode(const welcome_msg& m, std::string& out) {
  writer w(out);
  type_byte(w, msg_type::welcome);
  w.varint(m.entity);
  w.u8(m.resumed ? 1 : 0);
  w.varint(m.tick_hz);
  w.varint(m.q_per_unit);
  w.varint(m.half);
  w.varint(m.radius);
  w.varint(m.margin);
  w.varint(m.max_speed);
  w.string(m.key);
}

void encode_event(const event& e, writer& w) {
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, enter_event>) {
          w.u8(static_cast<std::uint8_t>(event_type::enter));
          w.varint(v.id);
          w.u8(v.kind);
          w.svarint(v.x);
          w.svarint(v.y);
          w.string(v.key);
        } else if constexpr (std::is_same_v<T, leave_event>) {
          w.u8(static_cast<std::uint8_t>(event_type::leave));
          w.varint(v.id);
        } else if constexpr (std::is_same_v<T, emote_event>) {
          w.u8(static_cast<std::uint8_t>(event_type::emote));
          w.varint(v.id);
          w.string(v.text);
        } else {
          w.u8(static_cast<std::uint8_t>(event_type::rejected));
          w.varint(v.seq);
          w.u8(v.reason);
        }
      },
      e);
}

void encode(const frame_msg& m, std::string& out) {
  writer w(out);
  type_byte(w, msg_type::frame);
  w.varint(m.tick);
  w.u8(m.reset ? 1 : 0);
  w.varint(m.base);
  w.varint(m.events.size());
  for (const event& e : m.events) encode_event(e, w);
  w.varint(m.updates.size());
  std::uint32_t prev = 0;
  for (const update& u : m.updates) {
    w.varint((std::uint64_t{u.id - prev} << 1) | (u.absolute ? 1u : 0u));
    w.svarint(u.x);
    w.svarint(u.y);
    prev = u.id;
  }
}

void encode(const error_msg& m, std::string& out) {
  writer w(out);
  type_byte(w, msg_type::error);
  w.string(m.code);
  w.string(m.message);
}

void encode(const client_msg& m, std::string& out) {
  std::visit([&out](const auto& v) { encode(v, out); }, m);
}
void encode(const server_msg& m, std::string& out) {
  std::visit([&out](const auto& v) { encode(v, out); }, m);
}

decoded<client_msg> decode_client(std::string_view bytes) {
  reader r(bytes);
  const std::uint8_t t = r.u8();
  if (!r.ok()) return {std::nullopt, "empty message"};
  switch (static_cast<msg_type>(t)) {
    case msg_type::command: {
      command_msg m = read_command(r);
      return finish<client_msg>(r, std::move(m));
    }
    case msg_type::ack: {
      ack_msg m{r.varint()};
      return finish<client_msg>(r, m);
    }
    default: return {std::nullopt, "unknown message type"};
  }
}

decoded<server_msg> decode_server(std::string_view bytes) {
  reader r(bytes);
  const std::uint8_t t = r.u8();
  if (!r.ok()) return {std::nullopt, "empty message"};
  switch (static_cast<msg_type>(t)) {
    case msg_type::welcome: {
      welcome_msg m;
      m.entity = static_cast<std::uint32_t>(r.varint_max(max_id, "entity"));
      const std::uint8_t flags = r.u8();
      if (r.ok() && (flags & ~1u) != 0) r.fail("unknown welcome flags");
      m.resumed = (flags & 1u) != 0;
      m.tick_hz = static_cast<std::uint32_t>(r.varint_max(u32_max, "tick_hz"));
      m.q_per_unit = static_cast<std::uint32_t>(r.varint_max(u32_max, "q_per_world_unit"));
      m.half = static_cast<std::uint32_t>(r.varint_max(u32_max, "half"));
      m.radius = static_cast<std::uint32_t>(r.varint_max(u32_max, "radius"));
      m.margin = static_cast<std::uint32_t>(r.varint_max(u32_max, "margin"));
      m.max_speed = static_cast<std::uint32_t>(r.varint_max(u32_max, "max_speed"));
      m.key = r.string(max_key_bytes, "key");
      return finish<server_msg>(r, std::move(m));
    }
    case msg_type::frame: {
      frame_msg m = read_frame(r);
      return finish<server_msg>(r, std::move(m));
    }
    case msg_type::error: {
      error_msg m;
      m.code = r.string(max_text_bytes, "code");
      m.message = r.string(max_text_bytes, "message");
      return finish<server_msg>(r, std::move(m));
    }
    default: return {std::nullopt, "unknown message type"};
  }
}

}  // namespace metronome::gateway::wire

#include "metronome/world/durable/command_log.hpp"

#include <bit>
#include <cstring>

namespace metronome::world::durable {
namespace {

static_assert(std::endian::native == std::endian::little, "the log copies little-endian integers");

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

template <class T>
bool get(std::string_view bytes, std::size_t& at, T& v) {
  if (bytes.size() - at < sizeof(T)) return false;
  std::memcpy(&v, bytes.data() + at, sizeof(T));
  at += sizeof(T);
  return true;
}

}  // namespace

void encode_commands(std::span<const command> commands, std::string& out) {
  put(out, static_cast<std::uint32_t>(commands.size()));
  for (const command& c : commands) {
    put(out, c.tick);
    put(out, c.player);
    put(out, c.sequence);
    put(out, c.entity);
    put(out, static_cast<std::uint8_t>(c.kind));
    put(out, c.a);
    put(out, c.b);
    put(out, c.c);
    put(out, static_cast<std::uint32_t>(c.text.size()));
    out.append(c.text);
  }
}

result<std::vector<command>> decode_commands(std::string_view bytes) {
  auto bad = [](const std::string& what) { return make_error(errc::invalid_argument, "command log record: " + what); };
  std::size_t at = 0;
  std::uint32_t count = 0;
  if (!get(bytes, at, count)) return bad("shorter than its count");
  if (std::uint64_t{count} * command_record_bytes > bytes.size() - at) return bad("count " + std::to_string(count) + " exceeds the record");
  std::vector<command> out(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    command& c = out[i];
    std::uint8_t kind = 0;
    std::uint32_t text = 0;
    const bool whole = get(bytes, at, c.tick) && get(bytes, at, c.player) && get(bytes, at, c.sequence) && get(bytes, at, c.entity) &&
                       get(bytes, at, kind) && get(bytes, at, c.a) && get(bytes, at, c.b) && get(bytes, at, c.c) && get(bytes, at, text);
    if (!whole) return bad("ends inside command " + std::to_string(i));
    if (kind > static_cast<std::uint8_t>(command_kind::leave))
      return bad("command " + std::to_string(i) + " has kind " + std::to_string(kind));
    c.kind = static_cast<command_kind>(kind);
    if (text > bytes.size() - at) return bad("text of command " + std::to_string(i) + " exceeds the record");
    c.text.assign(bytes.substr(at, text));
    at += text;
  }
  if (at != bytes.size()) return bad(std::to_string(bytes.size() - at) + " bytes after the last command");
  return out;
}

}  // namespace metronome::world::durable

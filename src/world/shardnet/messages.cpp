#include "metronome/world/shardnet/messages.hpp"

#include <cstring>

#include "metronome/world/durable/command_log.hpp"

namespace metronome::world::shardnet {
namespace {

constexpr std::string_view batch_magic{"MTTK"}, done_magic{"MTDN"}, hello_magic{"MTHI"};

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

/// Reads fixed-size fields after the magic; fails once on a short input.
class fields {
 public:
  fields(std::string_view bytes, std::string_view magic) : in_(bytes), ok_(bytes.substr(0, magic.size()) == magic), at_(magic.size()) {}
  template <class T>
  T get() {
    T v{};
    if (!ok_ || in_.size() - at_ < sizeof(T)) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, in_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }
  /// Whether everything was read and nothing is left.
  bool whole() const noexcept { return ok_ && at_ == in_.size(); }

 private:
  std::string_view in_;
  bool ok_;
  std::size_t at_;
};

}  // namespace

subjects::subjects(std::string_view name) {
  const std::string base = "world." + std::string(name) + ".";
  tick = base + "tick";
  out = base + "out";
  ctl = base + "ctl";
  stop = base + "stop";
  all = base + "*";
}

bool valid_world_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string encode(const batch& b) {
  std::string out(batch_magic);
  put(out, b.tick);
  durable::encode_commands(b.commands, out);
  return out;
}

std::string encode(const done& d) {
  std::string out(done_magic);
  put(out, d.tick);
  put(out, d.shard);
  for (const std::uint64_t v : {d.hash, d.compute_ns, d.wait_ns, d.msgs_out, d.bytes_out}) put(out, v);
  return out;
}

std::string encode(const hello& h) {
  std::string out(hello_magic);
  put(out, h.shard);
  put(out, h.shards);
  put(out, h.tick);
  return out;
}

result<batch> decode_batch(std::string_view bytes) {
  fields in(bytes.substr(0, batch_magic.size() + 8), batch_magic);
  batch b;
  b.tick = in.get<std::uint64_t>();
  if (!in.whole()) return make_error(errc::invalid_argument, "batch: no magic and tick");
  auto commands = durable::decode_commands(bytes.substr(batch_magic.size() + 8));
  if (!commands) return make_error(errc::invalid_argument, "batch: " + commands.error().message);
  b.commands = std::move(*commands);
  return b;
}

result<done> decode_done(std::string_view bytes) {
  fields in(bytes, done_magic);
  done d;
  d.tick = in.get<std::uint64_t>();
  d.shard = in.get<std::uint32_t>();
  d.hash = in.get<std::uint64_t>();
  d.compute_ns = in.get<std::uint64_t>();
  d.wait_ns = in.get<std::uint64_t>();
  d.msgs_out = in.get<std::uint64_t>();
  d.bytes_out = in.get<std::uint64_t>();
  if (!in.whole()) return make_error(errc::invalid_argument, "done: not a done message");
  return d;
}

result<hello> decode_hello(std::string_view bytes) {
  fields in(bytes, hello_magic);
  hello h;
  h.shard = in.get<std::uint32_t>();
  h.shards = in.get<std::uint32_t>();
  h.tick = in.get<std::uint64_t>();
  if (!in.whole()) return make_error(errc::invalid_argument, "hello: not a hello message");
  if (h.shard >= h.shards) return make_error(errc::invalid_argument, "hello: shard index not below the shard count");
  return h;
}

}  // namespace metronome::world::shardnet

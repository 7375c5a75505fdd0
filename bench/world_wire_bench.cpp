// Which encoding for /world tick frames, and whether permessage-deflate pays
// (issue 10): real frames, built by the world and gateway::client_stream as
// the gateway builds them, measured three ways.
//
//   world_wire_bench [--entities 5000] [--players 1000] [--half 500] [--radius 50]
//                    [--clients 50] [--ticks 200] [--seed 7]
//
// A world of --entities (the first --players of them players), placed and
// set moving from the seed in a square of half side --half world units, with
// an area of interest of --radius world units. After a 100-tick warm-up,
// --clients players each get a client_stream (the default budget, 8,000 B/s)
// and acknowledge every frame, for --ticks ticks. Every frame is kept; the
// first (a reset: every visible entity enters) is reported apart from the
// steady ones. Then, over the steady frames:
// - hand: the gateway's own format (gateway/wire.hpp). Bytes as built;
//   encode = wire::encode of the decoded frame_msg; decode = decode_server.
// - flatbuffers: the same frame_msg in bench/fbs/world_frame.fbs (Debian's
//   flatc and libflatbuffers). Encode with one reused builder; decode =
//   verify, then read every field.
// - deflate: the hand-written bytes through zlib's raw deflate as
//   permessage-deflate (RFC 7692) sends them: one stream per client with
//   context takeover (the default), or reset per message
//   (no_context_takeover); bytes without the 4-byte flush tail; CPU to
//   compress, which is the server's side. Memory per connection is zlib's
//   own formula for the window and memLevel used.
// Prints markdown tables. Pure computation, single-threaded, bounded by the
// arguments; the timings are best of three passes.
#define ZLIB_CONST  // next_in is const
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "metronome/gateway/client_stream.hpp"
#include "metronome/gateway/wire.hpp"
#include "metronome/world/world.hpp"
#include "world_frame_generated.h"

namespace {

namespace wire = metronome::gateway::wire;
namespace fb = metronome::bench::fb;
using steady = std::chrono::steady_clock;

struct options {
  std::uint32_t entities = 5000, players = 1000, half = 500, radius = 50, clients = 50, ticks = 200;
  std::uint64_t seed = 7;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "world_wire_bench: %s\nusage: world_wire_bench [--entities N] [--players N] [--half UNITS] [--radius UNITS] "
               "[--clients N] [--ticks N] [--seed N]\n",
               why.c_str());
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage("missing value for " + a);
    const std::string v = argv[++i];
    char* end = nullptr;
    const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || x == 0 || x > 4'000'000) usage("not a count in 1..4000000: " + a + " " + v);
    const auto n = static_cast<std::uint32_t>(x);
    if (a == "--entities") {
      o.entities = n;
    } else if (a == "--players") {
      o.players = n;
    } else if (a == "--half") {
      o.half = n;
    } else if (a == "--radius") {
      o.radius = n;
    } else if (a == "--clients") {
      o.clients = n;
    } else if (a == "--ticks") {
      o.ticks = n;
    } else if (a == "--seed") {
      o.seed = x;
    } else {
      usage("unknown option " + a);
    }
  }
  if (o.players > o.entities || o.clients > o.players) usage("need clients <= players <= entities");
  return o;
}

/// Every client's frames, in tick order: [client][i].
struct corpus {
  std::vector<std::vector<std::string>> frames;
  std::vector<wire::frame_msg> steady;  ///< decoded, every client's steady frames
  std::vector<std::string> steady_raw;  ///< the same, as built
  std::size_t reset_bytes = 0, reset_frames = 0, steady_bytes = 0, updates = 0;
};

corpus build_corpus(const options& o) {
  namespace world = metronome::world;
  world::world_config cfg;
  cfg.seed = o.seed;
  cfg.half_size = static_cast<std::int32_t>(o.half) * world::units_per_world_unit;
  cfg.aoi_radius = static_cast<std::int32_t>(o.radius) * world::units_per_world_unit;
  if (const auto bad = world::validate(cfg, {o.entities, o.players})) usage("world: " + *bad);
  world::world w(cfg, world::population{o.entities, o.players});
  const std::span<const world::command> none;
  for (int t = 0; t < 100; ++t) (void)w.step(none);
  std::vector<metronome::gateway::client_stream> streams;
  for (std::uint32_t c = 0; c < o.clients; ++c) streams.emplace_back(metronome::gateway::stream_config{}, c);
  corpus out;
  out.frames.resize(o.clients);
  for (std::uint32_t t = 0; t < o.ticks; ++t) {
    const world::step_report& r = w.step(none);
    for (std::uint32_t c = 0; c < o.clients; ++c) {
      streams[c].observe(w, r);
      std::string bytes;
      streams[c].build(w, bytes);
      (void)streams[c].ack(w.tick());
      auto decoded = wire::decode_server(bytes);
      if (!decoded.msg || !std::holds_alternative<wire::frame_msg>(*decoded.msg)) usage("a frame does not decode: " + decoded.error);
      auto& frame = std::get<wire::frame_msg>(*decoded.msg);
      if (frame.reset) {
        out.reset_bytes += bytes.size();
        ++out.reset_frames;
      } else {
        out.steady_bytes += bytes.size();
        out.updates += frame.updates.size();
        out.steady.push_back(std::move(frame));
        out.steady_raw.push_back(bytes);
      }
      out.frames[c].push_back(std::move(bytes));
    }
  }
  return out;
}

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};

void fb_encode(const wire::frame_msg& m, flatbuffers::FlatBufferBuilder& b, std::vector<flatbuffers::Offset<fb::EventBox>>& events) {
  b.Clear();
  events.clear();
  for (const wire::event& e : m.events) {
    events.push_back(std::visit(
        overloaded{
            [&](const wire::enter_event& x) {
              const auto key = b.CreateString(x.key);
              return fb::CreateEventBox(b, fb::Event::Enter, fb::CreateEnter(b, x.id, x.kind, x.x, x.y, key).Union());
            },
            [&](const wire::leave_event& x) { return fb::CreateEventBox(b, fb::Event::Leave, fb::CreateLeave(b, x.id).Union()); },
            [&](const wire::emote_event& x) {
              const auto text = b.CreateString(x.text);
              return fb::CreateEventBox(b, fb::Event::Emote, fb::CreateEmote(b, x.id, text).Union());
            },
            [&](const wire::rejected_event& x) {
              return fb::CreateEventBox(b, fb::Event::Rejected, fb::CreateRejected(b, x.seq, x.reason).Union());
            },
        },
        e));
  }
  fb::Update* slots = nullptr;
  const auto updates = b.CreateUninitializedVectorOfStructs(m.updates.size(), &slots);
  for (std::size_t i = 0; i < m.updates.size(); ++i) {
    const wire::update& u = m.updates[i];
    slots[i] = fb::Update(u.id, u.x, u.y, u.absolute);
  }
  const auto evs = b.CreateVector(events);
  b.Finish(fb::CreateFrame(b, m.tick, m.reset, m.base, evs, updates));
}

/// Verifies and reads every field; returns a sum so that nothing is optimised away.
std::uint64_t fb_decode(const std::uint8_t* data, std::size_t size) {
  flatbuffers::Verifier v(data, size);
  if (!fb::VerifyFrameBuffer(v)) usage("a FlatBuffers frame does not verify");
  const fb::Frame* f = fb::GetFrame(data);
  std::uint64_t sum = f->tick() + f->base() + (f->reset() ? 1u : 0u);
  if (f->events() != nullptr) {
    for (const fb::EventBox* e : *f->events()) {
      if (const auto* x = e->event_as_Enter()) sum += x->id() + x->kind() + static_cast<std::uint32_t>(x->x() + x->y()) + x->key()->size();
      if (const auto* x = e->event_as_Leave()) sum += x->id();
      if (const auto* x = e->event_as_Emote()) sum += x->id() + x->text()->size();
      if (const auto* x = e->event_as_Rejected()) sum += x->seq() + x->reason();
    }
  }
  if (f->updates() != nullptr) {
    for (const fb::Update* u : *f->updates()) sum += u->id() + static_cast<std::uint32_t>(u->x() + u->y()) + (u->absolute() ? 1u : 0u);
  }
  return sum;
}

/// ns per call of fn(i) for i over [0, n): the best of three passes.
template <class F>
double ns_per(std::size_t n, F&& fn) {
  double best = 1e300;
  for (int pass = 0; pass < 3; ++pass) {
    const auto t0 = steady::now();
    for (std::size_t i = 0; i < n; ++i) fn(i);
    const double ns = std::chrono::duration<double, std::nano>(steady::now() - t0).count() / static_cast<double>(n);
    if (ns < best) best = ns;
  }
  return best;
}

/// permessage-deflate's sender: raw deflate, a sync flush per message.
class deflater {
 public:
  deflater(int level, int window_bits, int mem_level) {
    if (deflateInit2(&z_, level, Z_DEFLATED, -window_bits, mem_level, Z_DEFAULT_STRATEGY) != Z_OK) usage("deflateInit2 failed");
  }
  ~deflater() { deflateEnd(&z_); }
  deflater(const deflater&) = delete;
  deflater& operator=(const deflater&) = delete;

  /// The compressed size of `in` as a permessage-deflate payload.
  std::size_t compress(const std::string& in, bool reset) {
    if (reset) deflateReset(&z_);
    out_.resize(deflateBound(&z_, static_cast<uLong>(in.size())) + 16);
    z_.next_in = reinterpret_cast<const Bytef*>(in.data());  // zlib's types
    z_.avail_in = static_cast<uInt>(in.size());
    z_.next_out = reinterpret_cast<Bytef*>(out_.data());
    z_.avail_out = static_cast<uInt>(out_.size());
    if (deflate(&z_, Z_SYNC_FLUSH) != Z_OK) usage("deflate failed");
    return out_.size() - z_.avail_out - 4;  // RFC 7692 7.2.1: the 00 00 FF FF tail is not sent
  }

 private:
  z_stream z_{};
  std::string out_;
};

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  const corpus c = build_corpus(o);
  const std::size_t n = c.steady.size();
  if (n == 0) usage("no steady frame was built: raise --ticks");
  const double frames_per_client_tick = static_cast<double>(n + c.reset_frames) / (static_cast<double>(o.clients) * o.ticks);

  std::printf("World: %u entities (%u players) in +-%u world units, radius %u; %u clients x %u ticks; %.2f frames per client per tick\n\n",
              o.entities, o.players, o.half, o.radius, o.clients, o.ticks, frames_per_client_tick);
  std::printf("Reset frames: %zu, %.0f B each (hand-written)\n\n", c.reset_frames,
              c.reset_frames ? static_cast<double>(c.reset_bytes) / static_cast<double>(c.reset_frames) : 0.0);

  // Hand-written.
  std::string scratch;
  const double hand_enc = ns_per(n, [&](std::size_t i) {
    scratch.clear();
    wire::encode(c.steady[i], scratch);
  });
  std::size_t sink = 0;
  const double hand_dec = ns_per(n, [&](std::size_t i) { sink += wire::decode_server(c.steady_raw[i]).msg.has_value(); });

  // FlatBuffers.
  flatbuffers::FlatBufferBuilder b(4096);
  std::vector<flatbuffers::Offset<fb::EventBox>> events;
  std::vector<std::string> fb_frames;
  std::size_t fb_bytes = 0;
  for (const auto& m : c.steady) {
    fb_encode(m, b, events);
    fb_frames.emplace_back(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
    fb_bytes += b.GetSize();
  }
  const double fb_enc = ns_per(n, [&](std::size_t i) { fb_encode(c.steady[i], b, events); });
  const double fb_dec =
      ns_per(n, [&](std::size_t i) { sink += fb_decode(reinterpret_cast<const std::uint8_t*>(fb_frames[i].data()), fb_frames[i].size()); });

  const double hand_b = static_cast<double>(c.steady_bytes) / static_cast<double>(n);
  const double fb_b = static_cast<double>(fb_bytes) / static_cast<double>(n);
  const double updates_per_frame = static_cast<double>(c.updates) / static_cast<double>(n);
  std::printf("Steady frames: %zu, %.1f updates each\n\n", n, updates_per_frame);
  std::printf(
      "| encoding | B / frame | bits / update (frame / updates) | encode ns / frame | decode ns / frame |\n|---|---|---|---|---|\n");
  std::printf("| hand-written (gateway/wire) | %.1f | %.1f | %.0f | %.0f |\n", hand_b, hand_b * 8 / updates_per_frame, hand_enc, hand_dec);
  std::printf("| FlatBuffers 2.0.8 | %.1f | %.1f | %.0f | %.0f |\n\n", fb_b, fb_b * 8 / updates_per_frame, fb_enc, fb_dec);

  // permessage-deflate over the hand-written bytes, per client in order.
  std::printf(
      "| permessage-deflate (hand-written bytes) | B / frame | vs plain | compress ns / frame | deflate memory / connection |\n"
      "|---|---|---|---|---|\n");
  struct variant_def {
    const char* name;
    int level, window_bits, mem_level;
    bool reset;
  };
  const variant_def variants[] = {
      {"level 1, 32 KiB window, context takeover", 1, 15, 8, false},
      {"level 6, 32 KiB window, context takeover", 6, 15, 8, false},
      {"level 1, 512 B window, memLevel 1, context takeover", 1, 9, 1, false},
      {"level 1, no context takeover", 1, 15, 8, true},
  };
  for (const variant_def& v : variants) {
    std::size_t bytes = 0, frames = 0;
    double best = 1e300;
    for (int pass = 0; pass < 3; ++pass) {
      bytes = frames = 0;
      const auto t0 = steady::now();
      for (const auto& client : c.frames) {
        deflater d(v.level, v.window_bits, v.mem_level);
        for (std::size_t i = 0; i < client.size(); ++i) {
          const std::size_t z = d.compress(client[i], v.reset);
          if (i == 0) continue;  // the reset frame: steady frames only in the sizes
          bytes += z;
          ++frames;
        }
      }
      const double ns = std::chrono::duration<double, std::nano>(steady::now() - t0).count() / static_cast<double>(n + c.reset_frames);
      if (ns < best) best = ns;
    }
    // zlib's zconf.h: deflate needs (1 << (windowBits + 2)) + (1 << (memLevel + 9)) bytes.
    const double mem_kib = static_cast<double>((1u << (v.window_bits + 2)) + (1u << (v.mem_level + 9))) / 1024.0;
    const double per = static_cast<double>(bytes) / static_cast<double>(frames);
    std::printf("| %s | %.1f | %.0f %% | %.0f | %.1f KiB |\n", v.name, per, 100.0 * per / hand_b, best, mem_kib);
  }
  return sink == 0xFFFFFFFFFFFFFFFFull ? 1 : 0;
}

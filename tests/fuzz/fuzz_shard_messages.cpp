// The parsers of world shards over NATS on arbitrary bytes (the first byte
// picks one): a shard output checked against a small two-shard world
// (world::check_shard_output), and the batch, done and hello messages
// (shardnet/messages.hpp), which refuse the bytes with a message or decode
// to values that encode back to exactly the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "metronome/world/shardnet/messages.hpp"
#include "metronome/world/world.hpp"

namespace {

const metronome::world::world& small_world() {
  static const metronome::world::world w = [] {
    metronome::world::world_config c;
    c.seed = 3;
    c.half_size = 64 * 256;
    c.aoi_radius = 12 * 256;
    c.aoi_margin = 256;
    c.aoi_skin = 3 * 256;
    c.shards = 2;
    metronome::world::world made(c, metronome::world::population{.entities = 40, .players = 8});
    made.step({});
    return made;
  }();
  return w;
}

template <class Decoded>
void round_trip(const Decoded& d, std::string_view bytes) {
  if (!d) {
    FUZZ_CHECK(!d.error().message.empty(), "a refusal without a message");
    return;
  }
  FUZZ_CHECK(metronome::world::shardnet::encode(*d) == bytes, "a decoded message re-encodes to different bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace net = metronome::world::shardnet;
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      const auto why = small_world().check_shard_output(bytes, 0);
      FUZZ_CHECK(!why || !why->empty(), "a refusal without a message");
      break;
    }
    case 1: round_trip(net::decode_batch(bytes), bytes); break;
    case 2: round_trip(net::decode_done(bytes), bytes); break;
    default: round_trip(net::decode_hello(bytes), bytes); break;
  }
  return 0;
}

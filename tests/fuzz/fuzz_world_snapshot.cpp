// world::restore on arbitrary bytes: it either refuses them with
// std::invalid_argument or yields a world that re-encodes to exactly the
// same bytes and can step (and save again) without fault.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "metronome/world/world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using metronome::world::world;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    world w = world::restore(bytes);
    FUZZ_CHECK(w.save() == bytes, "a decoded snapshot re-encodes to different bytes");
    w.step({});
    const std::string after = w.save();
    FUZZ_CHECK(world::restore(after).hash() == w.hash(), "a stepped world does not survive its own snapshot");
  } catch (const std::invalid_argument&) {
    // Refused, with a message: the contract for bad input.
  }
  return 0;
}

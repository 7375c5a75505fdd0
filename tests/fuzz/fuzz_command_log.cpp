// The event log's record payload decoder on arbitrary bytes: it refuses them
// or yields commands that encode back to exactly the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "metronome/world/durable/command_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metronome::world::durable;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto commands = decode_commands(bytes);
  if (!commands) {
    FUZZ_CHECK(!commands.error().message.empty(), "a refusal without a message");
    return 0;
  }
  std::string again;
  encode_commands(*commands, again);
  FUZZ_CHECK(again == bytes, "decoded commands re-encode to different bytes");
  return 0;
}

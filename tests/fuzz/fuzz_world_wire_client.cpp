// The gateway's decoder of client messages (src/gateway/wire.hpp): any bytes
// are either a message or refused with a reason, never a crash; a decoded
// message re-encodes to bytes that decode to the same message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "metronome/gateway/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace wire = metronome::gateway::wire;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto d = wire::decode_client(input);
  FUZZ_CHECK(d.msg.has_value() != !d.error.empty(), "a message or a reason");
  if (d.msg) {
    std::string again;
    wire::encode(*d.msg, again);
    const auto back = wire::decode_client(again);
    FUZZ_CHECK(back.msg && *back.msg == *d.msg, back.error);
    FUZZ_CHECK(again.size() <= input.size(), "the encoder writes the shortest form");
  }
  return 0;
}

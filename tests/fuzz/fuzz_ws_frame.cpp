// Client WebSocket frame parsing on the raw data path
// (src/net/detail/ws_wire.hpp): parse_client_frame over arbitrary bytes,
// frame after frame, as the connection does.
//
// Contract checked: nothing crashes or reads out of bounds; a parsed frame
// lies inside the input and consumes at least its 6-byte minimum; its
// payload respects the limit (and 125 bytes for control frames); errors are
// 1002 or 1009; "need more" never happens once a whole frame is there.
#include <cstddef>
#include <cstdint>
#include <string>

#include "detail/ws_wire.hpp"
#include "fuzz_check.hpp"

using namespace metronome::net::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string buf(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t max = 4096;
  std::size_t at = 0;
  while (at < buf.size()) {
    const client_frame f = parse_client_frame(buf.data() + at, buf.size() - at, max);
    if (f.result == client_frame::status::need_more) break;
    if (f.result == client_frame::status::error) {
      FUZZ_CHECK(f.close_code == 1002 || f.close_code == 1009, "an error is a protocol error or too big");
      break;
    }
    FUZZ_CHECK(f.consumed >= 6 && f.consumed <= buf.size() - at, "a frame lies inside the input");
    FUZZ_CHECK(f.size <= max, "the payload respects the limit");
    FUZZ_CHECK((f.opcode & 0x08) == 0 || (f.size <= 125 && f.fin), "control frames are short and whole");
    FUZZ_CHECK(f.payload + f.size == buf.data() + at + f.consumed, "the payload ends the frame");
    at += f.consumed;
  }
  return 0;
}

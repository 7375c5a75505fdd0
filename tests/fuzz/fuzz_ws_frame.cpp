// Client WebSocket frame parsing on the raw data path
// (src/net/detail/ws_wire.hpp): parse_client_frame over arbitrary bytes,
// frame after frame, as the connection does.
//
// Contract checked: nothing crashes or reads out of bounds; a parsed frame
// lies inside the input and consumes at least its 6-byte minimum; its
// payload respects the limit (and 125 bytes for control frames); errors are
// 1002 or 1009; "need more" never happens once a whole frame is there.
// valid_utf8 agrees with a plain decoder (code point by code point, its
// value range checked after decoding); check_close_payload answers 0, 1002
// or 1007.
#include <cstddef>
#include <cstdint>
#include <string>

#include "detail/ws_wire.hpp"
#include "fuzz_check.hpp"

using namespace metronome::net::detail;

namespace {

/// The slow, obvious UTF-8 check: decode each code point, then reject the
/// overlong, the surrogates and what lies past U+10FFFF.
bool plain_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      n = 1, cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace

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
    const std::string payload(f.payload, f.size);
    FUZZ_CHECK(valid_utf8(payload) == plain_utf8(payload), "the UTF-8 check agrees with a plain decoder");
    const std::uint16_t close = check_close_payload(payload);
    FUZZ_CHECK(close == 0 || close == 1002 || close == 1007, "a close payload is valid, a protocol error or bad UTF-8");
    at += f.consumed;
  }
  return 0;
}

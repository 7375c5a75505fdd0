// The server side of RFC 6455 framing, for the raw WebSocket data path
// (websocket_session.cpp): server frame headers (unmasked, never
// fragmented) and the parsing of client frames (masked, possibly
// fragmented), unmasking payloads in place. Pure: no I/O, no allocation.
//
// Wire format (RFC 6455 5.2): byte 0 = FIN (0x80) | RSV1-3 (0x70, must be 0:
// no extension is negotiated) | opcode; byte 1 = MASK (0x80) | length 0-125,
// or 126 + u16 big-endian, or 127 + u64 big-endian; then a 4-byte mask key
// on client frames; then the payload, XORed with the key on client frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace metronome::net::detail {

namespace ws_op {
inline constexpr std::uint8_t continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA;
}

/// Longest server frame header: 2 bytes + 8 bytes of length.
inline constexpr std::size_t max_frame_header = 10;

/// Writes the header of a final, unmasked frame of `payload_size` bytes into
/// `out` (at least max_frame_header bytes); returns its length.
std::size_t write_frame_header(std::uint8_t opcode, std::size_t payload_size, char* out) noexcept;

/// A whole server frame: header + payload.
std::string make_frame(std::uint8_t opcode, std::string_view payload);

/// A close frame's payload: the code (big-endian) and up to 123 bytes of reason.
std::string close_payload(std::uint16_t code, std::string_view reason);

struct client_frame {
  enum class status { need_more, ok, error };
  status result = status::need_more;
  std::size_t consumed = 0;  ///< ok: bytes of the whole frame
  std::uint8_t opcode = 0;
  bool fin = false;
  char* payload = nullptr;  ///< ok: unmasked, inside the parsed buffer
  std::size_t size = 0;
  std::uint16_t close_code = 0;  ///< error: 1002 (protocol) or 1009 (too big)
};

/// Parses (and unmasks in place) the client frame at the front of
/// `data[0, size)`. A data frame longer than `max_payload` is an error (1009)
/// as soon as its header is seen; so are unmasked frames, reserved bits,
/// unknown opcodes and control frames that are fragmented or over 125 bytes
/// (1002).
client_frame parse_client_frame(char* data, std::size_t size, std::size_t max_payload) noexcept;

/// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF). A text message that is not closes
/// its connection with 1007 (RFC 6455 8.1).
bool valid_utf8(std::string_view text) noexcept;

/// What a client's close frame payload asks for (RFC 6455 5.5.1, 7.4):
/// 0 when it is valid (empty, or a code a peer may send plus a UTF-8
/// reason), else the close code to answer with: 1002 for a 1-byte payload or
/// a code a peer must not send (below 1000, 1004-1006, 1015, 1016-2999
/// unassigned), 1007 for a reason that is not UTF-8.
std::uint16_t check_close_payload(std::string_view payload) noexcept;

}  // namespace metronome::net::detail

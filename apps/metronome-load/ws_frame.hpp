// The client side of RFC 6455, as much as metronome-load needs: the opening
// handshake's request and the check of its answer, frame parsing (server
// frames are unmasked) and masked client frames. Pure: no I/O, so it is
// unit-tested without sockets. client_pool.cpp does the I/O on raw sockets
// so that a received message costs one recvmsg and carries the kernel's
// arrival timestamp.
//
// Not checked: Sec-WebSocket-Accept (the load generator talks to servers it
// started itself on loopback); extensions are never offered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace metronome::load::ws {

enum class opcode : std::uint8_t { continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

struct frame {
  bool fin = true;
  opcode op = opcode::text;
  std::string_view payload;  ///< a view into the parsed data
};

struct parse_result {
  std::size_t consumed = 0;  ///< bytes of the frame; 0 when the data holds no whole frame yet
  bool error = false;        ///< protocol error: masked server frame, bad opcode, or payload over the limit
  frame f;
};

/// Parses the frame at the front of `data`.
parse_result parse_frame(std::string_view data, std::size_t max_payload);

/// Appends a client frame (FIN set, masked with mask_key) to `out`.
void append_client_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask_key);

/// The opening handshake's GET request. `subprotocol` may be empty.
std::string handshake_request(std::string_view host, std::string_view path, std::string_view key, std::string_view subprotocol);

/// "" if `head` (the response up to and including the blank line) is a
/// 101 upgrade, else why not.
std::string check_handshake_response(std::string_view head);

/// A Sec-WebSocket-Key: base64 of 16 bytes derived from two random words.
std::string make_key(std::uint64_t a, std::uint64_t b);

/// The close code in a close frame's payload; 1005 (no code) if absent.
int close_code(std::string_view payload);

}  // namespace metronome::load::ws

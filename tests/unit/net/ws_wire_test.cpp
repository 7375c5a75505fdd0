// Server-side RFC 6455 framing (src/net/detail/ws_wire.hpp): headers of
// every length class, client frames parsed and unmasked in place, partial
// input, and every protocol error with its close code.
#include <gtest/gtest.h>

#include <string>

#include "detail/ws_wire.hpp"
#include "metronome/net/websocket.hpp"

namespace metronome::net::detail {
namespace {

/// A masked client frame as a browser would send it.
std::string client(std::uint8_t first_byte, std::string_view payload, std::uint32_t key = 0x11223344) {
  std::string out(1, static_cast<char>(first_byte));
  const std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  const char k[4] = {static_cast<char>(key >> 24), static_cast<char>(key >> 16), static_cast<char>(key >> 8), static_cast<char>(key)};
  out.append(k, 4);
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(payload[i] ^ k[i & 3]));
  return out;
}

TEST(ws_wire, headers_use_the_shortest_length_form) {
  char h[max_frame_header];
  EXPECT_EQ(write_frame_header(ws_op::text, 125, h), 2u);
  EXPECT_EQ(static_cast<unsigned char>(h[0]), 0x81u);
  EXPECT_EQ(static_cast<unsigned char>(h[1]), 125u);
  EXPECT_EQ(write_frame_header(ws_op::binary, 126, h), 4u);
  EXPECT_EQ(static_cast<unsigned char>(h[1]), 126u);
  EXPECT_EQ(static_cast<unsigned char>(h[2]), 0u);
  EXPECT_EQ(static_cast<unsigned char>(h[3]), 126u);
  EXPECT_EQ(write_frame_header(ws_op::binary, 70000, h), 10u);
  EXPECT_EQ(static_cast<unsigned char>(h[1]), 127u);
  EXPECT_EQ(static_cast<unsigned char>(h[7]), 0x01u);  // 70000 = 0x011170
  EXPECT_EQ(static_cast<unsigned char>(h[8]), 0x11u);
  EXPECT_EQ(static_cast<unsigned char>(h[9]), 0x70u);
}

TEST(ws_wire, a_shared_frame_carries_its_payload_after_the_header) {
  const ws_frame small = make_ws_frame("hello", false, 7);
  EXPECT_TRUE(small.framed);
  EXPECT_EQ(small.coalesce_key, 7);
  EXPECT_EQ(small.data->size(), 7u);
  EXPECT_EQ(small.payload(), "hello");
  const std::string big(300, 'x');
  const ws_frame large = make_ws_frame(big, true);
  EXPECT_EQ(static_cast<unsigned char>((*large.data)[0]), 0x82u);
  EXPECT_EQ(large.payload(), big);
  const ws_frame bare{std::make_shared<const std::string>("plain"), false, 0};
  EXPECT_EQ(bare.payload(), "plain");
}

TEST(ws_wire, client_frames_are_unmasked_in_place_at_every_length) {
  for (const std::size_t n : {0u, 5u, 125u, 126u, 4000u, 70000u}) {
    std::string payload(n, 'a');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('a' + i % 26);
    std::string wire = client(0x82, payload) + "next";
    const client_frame f = parse_client_frame(wire.data(), wire.size(), 100'000);
    ASSERT_EQ(f.result, client_frame::status::ok) << n;
    EXPECT_EQ(f.opcode, ws_op::binary);
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(std::string_view(f.payload, f.size), payload);
    EXPECT_EQ(f.consumed, wire.size() - 4);
  }
}

TEST(ws_wire, a_partial_frame_needs_more_at_every_cut) {
  const std::string whole = client(0x81, std::string(300, 'z'));
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    std::string part = whole.substr(0, cut);
    EXPECT_EQ(parse_client_frame(part.data(), part.size(), 4096).result, client_frame::status::need_more) << cut;
  }
}

TEST(ws_wire, protocol_errors_carry_their_close_codes) {
  auto code = [](std::string wire, std::size_t max = 4096) {
    const client_frame f = parse_client_frame(wire.data(), wire.size(), max);
    return f.result == client_frame::status::error ? f.close_code : std::uint16_t{0};
  };
  EXPECT_EQ(code(std::string("\x81\x05hello", 7)), 1002);                    // unmasked
  EXPECT_EQ(code(client(0xC1, "x")), 1002);                                  // RSV1 without an extension
  EXPECT_EQ(code(client(0x83, "x")), 1002);                                  // opcode 3 is reserved
  EXPECT_EQ(code(client(0x09, "x")), 1002);                                  // fragmented ping
  EXPECT_EQ(code(client(0x89, std::string(126, 'p'))), 1002);                // control frame over 125 bytes
  EXPECT_EQ(code(client(0x81, std::string(5000, 'b'))), 1009);               // over the message limit
  EXPECT_EQ(code(client(0x81, std::string(5000, 'b')).substr(0, 4)), 1009);  // known from the header alone
  EXPECT_EQ(code(client(0x81, "ok")), 0);
}

TEST(ws_wire, close_payloads_hold_the_code_and_a_bounded_reason) {
  const std::string p = close_payload(4001, std::string(200, 'r'));
  ASSERT_EQ(p.size(), 125u);
  EXPECT_EQ(static_cast<unsigned char>(p[0]), 0x0Fu);
  EXPECT_EQ(static_cast<unsigned char>(p[1]), 0xA1u);
}

TEST(ws_wire, utf8_is_checked_as_rfc_3629_defines_it) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii, long enough to take the eight-byte path"));
  EXPECT_TRUE(valid_utf8("\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"));
  EXPECT_FALSE(valid_utf8("\x80"));              // a lone continuation byte
  EXPECT_FALSE(valid_utf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(valid_utf8("\xc1\xbf"));          // overlong
  EXPECT_FALSE(valid_utf8("\xe0\x9f\xbf"));      // overlong three-byte form
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // a surrogate (U+D800)
  EXPECT_FALSE(valid_utf8("\xf0\x8f\xbf\xbf"));  // overlong four-byte form
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xe2\x82"));      // cut short
  EXPECT_FALSE(valid_utf8("\xe2\x28\xa1"));  // a bad continuation
  EXPECT_FALSE(valid_utf8("0123456789abcdef\xff"));
}

TEST(ws_wire, close_payloads_are_checked) {
  EXPECT_EQ(check_close_payload(""), 0);
  EXPECT_EQ(check_close_payload(std::string("\x03\xe8", 2)), 0);         // 1000
  EXPECT_EQ(check_close_payload(std::string("\x03\xf3", 2)), 0);         // 1011
  EXPECT_EQ(check_close_payload(std::string("\x0b\xb8ok", 4)), 0);       // 3000
  EXPECT_EQ(check_close_payload(std::string("\x13\x87", 2)), 0);         // 4999
  EXPECT_EQ(check_close_payload(std::string("\x03", 1)), 1002);          // one byte
  EXPECT_EQ(check_close_payload(std::string("\x03\xe7", 2)), 1002);      // 999
  EXPECT_EQ(check_close_payload(std::string("\x03\xec", 2)), 1002);      // 1004
  EXPECT_EQ(check_close_payload(std::string("\x03\xee", 2)), 1002);      // 1006
  EXPECT_EQ(check_close_payload(std::string("\x03\xf7", 2)), 1002);      // 1015
  EXPECT_EQ(check_close_payload(std::string("\x07\xd0", 2)), 1002);      // 2000
  EXPECT_EQ(check_close_payload(std::string("\x13\x88", 2)), 1002);      // 5000
  EXPECT_EQ(check_close_payload(std::string("\x03\xe8\xc3", 3)), 1007);  // a cut reason
}

}  // namespace
}  // namespace metronome::net::detail

#include "ws_frame.hpp"

#include <gtest/gtest.h>

#include <string>

namespace metronome::load::ws {
namespace {

std::string server_frame(std::uint8_t b0, const std::string& payload) {
  std::string f(1, static_cast<char>(b0));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(payload.size()));
  } else {
    f.push_back(static_cast<char>(126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xFF));
  }
  return f + payload;
}

TEST(ws_frame, parses_whole_frames_and_waits_for_partial_ones) {
  const std::string tick = R"({"type":"tick","step":1})";
  const std::string two = server_frame(0x81, tick) + server_frame(0x82, std::string(300, 'x'));
  auto r = parse_frame(two, 4096);
  ASSERT_EQ(r.consumed, 2 + tick.size());
  EXPECT_TRUE(r.f.fin);
  EXPECT_EQ(r.f.op, opcode::text);
  EXPECT_EQ(r.f.payload, tick);
  const std::string_view rest = std::string_view(two).substr(r.consumed);
  r = parse_frame(rest, 4096);
  EXPECT_EQ(r.consumed, 4 + 300u);
  EXPECT_EQ(r.f.op, opcode::binary);
  for (std::size_t cut = 0; cut < rest.size(); ++cut) {
    const auto partial = parse_frame(rest.substr(0, cut), 4096);
    EXPECT_EQ(partial.consumed, 0u) << cut;
    EXPECT_FALSE(partial.error) << cut;
  }
}

TEST(ws_frame, refuses_masked_reserved_unknown_and_oversized_frames) {
  EXPECT_TRUE(parse_frame(std::string("\x81\x81"
                                      "abcdx",
                                      7),
                          4096)
                  .error);                                        // masked
  EXPECT_TRUE(parse_frame(server_frame(0xC1, "x"), 4096).error);  // RSV1
  EXPECT_TRUE(parse_frame(server_frame(0x83, "x"), 4096).error);  // opcode 3
  EXPECT_TRUE(parse_frame(server_frame(0x81, std::string(200, 'x')), 100).error);
}

TEST(ws_frame, client_frames_are_masked_and_unmask_to_the_payload) {
  for (std::size_t n : {0u, 5u, 125u, 126u, 70000u}) {
    const std::string payload(n, 'q');
    std::string out;
    append_client_frame(out, opcode::text, payload, 0xA1B2C3D4);
    ASSERT_GE(out.size(), n + 6);
    EXPECT_EQ(static_cast<std::uint8_t>(out[0]), 0x81);
    EXPECT_NE(static_cast<std::uint8_t>(out[1]) & 0x80, 0);
    const std::size_t header = n < 126 ? 2 : (n <= 0xFFFF ? 4 : 10);
    ASSERT_EQ(out.size(), header + 4 + n);
    const std::string_view mask = std::string_view(out).substr(header, 4);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(static_cast<char>(out[header + 4 + i] ^ mask[i % 4]), 'q') << n << " " << i;
  }
}

TEST(ws_frame, handshake) {
  const std::string key = make_key(1, 2);
  EXPECT_EQ(key.size(), 24u);
  EXPECT_EQ(key.substr(22), "==");
  const std::string req = handshake_request("127.0.0.1:80", "/ws", key, "metronome.v1.bin");
  EXPECT_EQ(req.rfind("GET /ws HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(req.find("\r\nSec-WebSocket-Protocol: metronome.v1.bin\r\n"), std::string::npos);
  EXPECT_NE(req.find("\r\nSec-WebSocket-Key: " + key + "\r\n"), std::string::npos);
  EXPECT_EQ(req.substr(req.size() - 4), "\r\n\r\n");
  EXPECT_EQ(check_handshake_response("HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nConnection: upgrade\r\n\r\n"), "");
  EXPECT_NE(check_handshake_response("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), "");
  EXPECT_NE(check_handshake_response("HTTP/1.1 101 Switching Protocols\r\n\r\n"), "");
}

TEST(ws_frame, close_codes) {
  EXPECT_EQ(close_code(std::string("\x0F\xA1", 2)), 4001);
  EXPECT_EQ(close_code(""), 1005);
}

}  // namespace
}  // namespace metronome::load::ws

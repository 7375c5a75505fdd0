#include <gtest/gtest.h>

#include "metronome/broadcast/codec.hpp"

namespace metronome::broadcast {
namespace {

std::int64_t le64(const std::string& s, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(s[at + i])} << (8 * i);
  return static_cast<std::int64_t>(v);
}

TEST(codec, json_tick_has_seed_001s_fields) {
  const engine::state st{.phase = engine::phase::running, .step = 42, .value = 15, .round = 1, .broken = false};
  EXPECT_EQ(encode_tick(wire::json, st, 1733850004300),
            R"({"type":"tick","step":42,"value":15,"round":1,"broken":false,"serverTimestamp":1733850004300})");
}

TEST(codec, binary_tick_is_34_bytes_little_endian) {
  const engine::state st{.phase = engine::phase::running, .step = (std::int64_t{1} << 40) + 3, .value = 0, .round = 77, .broken = true};
  const std::string b = encode_tick(wire::binary, st, 1733850004300);
  ASSERT_EQ(b.size(), 34u);
  EXPECT_EQ(static_cast<std::uint8_t>(b[0]), bin::tick);
  EXPECT_EQ(b[1], 1);
  EXPECT_EQ(le64(b, 2), (std::int64_t{1} << 40) + 3);
  EXPECT_EQ(le64(b, 10), 0);
  EXPECT_EQ(le64(b, 18), 77);
  EXPECT_EQ(le64(b, 26), 1733850004300);
}

TEST(codec, other_binary_messages_have_their_documented_sizes) {
  EXPECT_EQ(encode_countdown(wire::binary, 1500, 1).size(), 17u);
  EXPECT_EQ(encode_ping_payload(7).size(), 7u);
  EXPECT_EQ(decode_ping_payload(encode_ping_payload(0xDEADBEEF)), 0xDEADBEEFu);
  EXPECT_FALSE(decode_ping_payload(""));  // Beast's and browsers' own keep-alive pings
  EXPECT_FALSE(decode_ping_payload("xyz1234"));
  EXPECT_EQ(encode_pong(wire::binary, 5, 6).size(), 17u);
  EXPECT_EQ(encode_latency_status(wire::binary, true, 12.5, 3.25).size(), 10u);
  EXPECT_EQ(encode_document(wire::binary, "{}"), std::string("\x7F{}"));
}

TEST(codec, decodes_every_client_message) {
  auto join = decode_client(R"({"action":"join","sessionId":"s1","userId":"u1"})", false);
  ASSERT_TRUE(std::holds_alternative<join_message>(join));
  EXPECT_EQ(std::get<join_message>(join).session_id, "s1");
  auto ping = decode_client(R"({"action":"ping","clientTimestamp":1733850000123})", false);
  EXPECT_EQ(std::get<ping_message>(ping).client_ms, 1733850000123);
  auto js_ping = decode_client(R"({"action":"ping","clientTimestamp":1733850000123.0})", false);  // JavaScript numbers
  EXPECT_EQ(std::get<ping_message>(js_ping).client_ms, 1733850000123);
  auto pong = decode_client(R"({"action":"pong","seq":9,"serverTimestamp":5})", false);
  EXPECT_EQ(std::get<pong_message>(pong).seq, 9u);
  EXPECT_TRUE(std::holds_alternative<leave_message>(decode_client(R"({"action":"leave"})", false)));

  std::string bin_pong = "\x12";
  for (int i = 0; i < 4; ++i) bin_pong.push_back(i == 0 ? 9 : 0);
  for (int i = 0; i < 8; ++i) bin_pong.push_back(i == 0 ? 5 : 0);
  auto bp = decode_client(bin_pong, true);
  ASSERT_TRUE(std::holds_alternative<pong_message>(bp));
  EXPECT_EQ(std::get<pong_message>(bp).seq, 9u);
  EXPECT_EQ(std::get<pong_message>(bp).server_ms, 5);
  auto env = decode_client(std::string("\x7F") + R"({"action":"join","sessionId":"s","userId":"u"})", true);
  EXPECT_TRUE(std::holds_alternative<join_message>(env));
}

TEST(codec, refuses_bad_messages_with_a_code) {
  auto code = [](std::string_view data, bool binary = false) {
    const auto m = decode_client(data, binary);
    return std::holds_alternative<decode_error>(m) ? std::get<decode_error>(m).code : std::string("accepted");
  };
  EXPECT_EQ(code("not json"), "bad_message");
  EXPECT_EQ(code("[1]"), "bad_message");
  EXPECT_EQ(code(R"({"type":"join"})"), "bad_message");
  EXPECT_EQ(code(R"({"action":"dance"})"), "unknown_action");
  EXPECT_EQ(code(R"({"action":"join","sessionId":"","userId":"u"})"), "bad_field");
  EXPECT_EQ(code(R"({"action":"join","sessionId":7,"userId":"u"})"), "bad_field");
  EXPECT_EQ(code(R"({"action":"pong","seq":-1,"serverTimestamp":1})"), "bad_field");
  EXPECT_EQ(code(R"({"action":"ping"})"), "bad_field");
  EXPECT_EQ(code("", true), "bad_message");
  EXPECT_EQ(code("\x11\x01", true), "bad_message");
  EXPECT_EQ(code("\x55", true), "unknown_action");
}

}  // namespace
}  // namespace metronome::broadcast

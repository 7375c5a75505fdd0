#include "wire.hpp"

#include <gtest/gtest.h>

#include "url.hpp"

namespace metronome::load {
namespace {

TEST(wire, json_tick_and_ping) {
  const auto t = decode_json(R"({"type":"tick","step":42,"value":-7,"round":0,"broken":false,"serverTimestamp":1763000000123})");
  EXPECT_EQ(t.type, server_message_type::tick);
  EXPECT_EQ(t.step, 42);
  EXPECT_EQ(t.server_timestamp, 1763000000123);
  const auto p = decode_json(R"({"type": "ping", "seq": 9, "serverTimestamp": 5})");
  EXPECT_EQ(p.type, server_message_type::ping);
  EXPECT_EQ(p.seq, 9);
  EXPECT_EQ(p.server_timestamp, 5);
}

TEST(wire, json_keys_match_whole_names_only) {
  // "xstep" and a string value containing step must not be taken for step.
  const auto t = decode_json(R"({"type":"tick","xstep":1,"note":"step","step":3})");
  EXPECT_EQ(t.step, 3);
  EXPECT_EQ(decode_json(R"({"type":"nonsense"})").type, server_message_type::unknown);
  EXPECT_EQ(decode_json("not json").type, server_message_type::unknown);
}

TEST(wire, json_joined_and_kicked) {
  const auto j = decode_json(
      R"({"type":"session_joined","sessionId":"s","userId":"u","region":"eu","mode":"server","tickMs":100,"startAt":1763000000000,"rule":{"kind":"rounds"},"seed":null,"resumed":false,"serverTimestamp":1})");
  EXPECT_EQ(j.type, server_message_type::session_joined);
  EXPECT_EQ(j.tick_ms, 100);
  EXPECT_EQ(j.start_at_ms, 1763000000000);
  const auto k = decode_json(R"({"type":"kicked","reason":"high_latency","rttMs":180,"jitterMs":2})");
  EXPECT_EQ(k.type, server_message_type::kicked);
  EXPECT_EQ(k.reason, "high_latency");
}

TEST(wire, binary_frames) {
  std::string tick(34, '\0');
  tick[0] = '\x01';
  tick[2] = '\x2A';  // step = 42
  const std::int64_t ts = 1'763'000'000'123;
  for (int i = 0; i < 8; ++i) tick[static_cast<std::size_t>(26 + i)] = static_cast<char>((ts >> (8 * i)) & 0xFF);
  const auto t = decode_binary(tick);
  EXPECT_EQ(t.type, server_message_type::tick);
  EXPECT_EQ(t.step, 42);
  EXPECT_EQ(t.server_timestamp, ts);
  EXPECT_EQ(decode_binary(tick.substr(0, 20)).type, server_message_type::unknown);  // truncated
  EXPECT_EQ(decode_binary("\x7F{\"type\":\"stopped\"}").type, server_message_type::stopped);
}

TEST(wire, client_messages_round_trip_through_the_servers_layouts) {
  EXPECT_EQ(encode_join(wire_protocol::json, "abc", "u1"), R"({"action":"join","sessionId":"abc","userId":"u1"})");
  EXPECT_EQ(encode_ping(wire_protocol::json, 17), R"({"action":"ping","clientTimestamp":17})");
  const std::string ping = encode_ping(wire_protocol::bin, 0x0102030405);
  ASSERT_EQ(ping.size(), 9u);
  EXPECT_EQ(ping[0], '\x11');
  EXPECT_EQ(ping[1], '\x05');
  EXPECT_EQ(ping[5], '\x01');
  EXPECT_EQ(encode_join(wire_protocol::bin, "s", "u")[0], '\x7F');
}

TEST(wire, urls) {
  const auto u = parse_url("ws://127.0.0.1:8080/ws");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/ws");
  EXPECT_EQ(parse_url("http://127.0.0.1:9")->path, "/");
  EXPECT_FALSE(parse_url("ftp://x:1/"));
  EXPECT_FALSE(parse_url("ws://127.0.0.1:99999/"));
}

}  // namespace
}  // namespace metronome::load

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "metronome/gateway/wire.hpp"

namespace metronome::gateway::wire {
namespace {

std::string hex(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (!out.empty()) out += ' ';
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (const int b : v) s.push_back(static_cast<char>(b));
  return s;
}

TEST(wire, varints_round_trip_at_every_boundary) {
  for (const std::uint64_t v : {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull, (1ull << 35) - 1, 1ull << 63, ~0ull}) {
    std::string s;
    writer(s).varint(v);
    reader r(s);
    EXPECT_EQ(r.varint(), v);
    EXPECT_TRUE(r.ok() && r.at_end()) << v;
  }
  for (const std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1}, std::int64_t{-64}, std::int64_t{64},
                               std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    std::string s;
    writer(s).svarint(v);
    reader r(s);
    EXPECT_EQ(r.svarint(), v);
  }
  std::string s;
  writer(s).svarint(-1);
  EXPECT_EQ(hex(s), "01");  // zigzag: -1 -> 1
}

TEST(wire, malformed_varints_are_refused) {
  // A reader views its input: keep the bytes alive.
  const std::string e = bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00});
  const std::string o = bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02});
  const std::string c = bytes({0x80});
  reader eleven(e);
  eleven.varint();
  EXPECT_FALSE(eleven.ok());
  reader over(o);
  over.varint();
  EXPECT_EQ(over.error(), "varint over 64 bits");
  reader cut(c);
  cut.varint();
  EXPECT_EQ(cut.error(), "ends inside a varint");
}

TEST(wire, quantization_error_is_at_most_a_64th_of_a_world_unit) {
  for (std::int32_t f = -5000; f <= 5000; ++f) {
    const std::int64_t back = dequantize(quantize(f));
    ASSERT_LE(std::abs(back - f), 4) << f;
  }
  EXPECT_EQ(quantize(256), 32);  // 1 world unit = 32 q
  EXPECT_EQ(quantize(-128), -16);
  EXPECT_EQ(quantize(4), 1);  // ties up
  EXPECT_EQ(quantize(-4), 0);
  EXPECT_EQ(quantize(-5), -1);
}

// The byte-exact examples of docs/protocol.md, "World", "Example".
TEST(wire, the_documented_examples) {
  std::string w;
  encode(welcome_msg{.entity = 5,
                     .resumed = false,
                     .tick_hz = 20,
                     .q_per_unit = 32,
                     .half = 32000,
                     .radius = 3200,
                     .margin = 160,
                     .max_speed = 76,
                     .key = "alice"},
         w);
  EXPECT_EQ(hex(w), "10 05 00 14 20 80 FA 01 80 19 A0 01 4C 05 61 6C 69 63 65");
  std::string reset;
  encode(frame_msg{.tick = 7, .reset = true, .base = 0, .events = {enter_event{9, 1, 32, -16, ""}}, .updates = {}}, reset);
  EXPECT_EQ(hex(reset), "11 07 01 00 01 01 09 01 40 1F 00 00");
  std::string delta;
  encode(frame_msg{.tick = 8, .reset = false, .base = 7, .events = {}, .updates = {{9, false, 2, 0}}}, delta);
  EXPECT_EQ(hex(delta), "11 08 00 07 00 01 12 04 00");
  const auto back = decode_server(delta);
  ASSERT_TRUE(back.msg) << back.error;
  EXPECT_EQ(std::get<frame_msg>(*back.msg).updates.at(0), (update{9, false, 2, 0}));
}

TEST(wire, every_message_round_trips) {
  std::mt19937_64 rng(3);
  auto i32 = [&] { return static_cast<std::int32_t>(static_cast<std::int64_t>(rng() % 4'000'001) - 2'000'000); };
  for (int round = 0; round < 300; ++round) {
    const std::vector<client_msg> cs{
        command_msg{.seq = rng(), .kind = command_kind::velocity, .a = i32(), .b = i32()},
        command_msg{
            .seq = rng() % 100, .kind = command_kind::move_to, .a = i32(), .b = i32(), .speed = static_cast<std::int32_t>(rng() % 77)},
        command_msg{.seq = 1, .kind = command_kind::stop},
        command_msg{.seq = 2, .kind = command_kind::emote, .text = std::string(rng() % 70, 'e')},
        ack_msg{rng()},
    };
    for (const client_msg& m : cs) {
      std::string s;
      encode(m, s);
      const auto d = decode_client(s);
      ASSERT_TRUE(d.msg) << d.error;
      EXPECT_EQ(*d.msg, m);
    }
    frame_msg f{.tick = 10 + rng() % 1000, .reset = (rng() & 1) != 0, .base = 0, .events = {}, .updates = {}};
    f.base = f.tick - 1 - rng() % 5;
    f.events = {enter_event{static_cast<std::uint32_t>(rng() % max_id), 0, i32(), i32(), "k" + std::to_string(rng() % 1000)},
                leave_event{static_cast<std::uint32_t>(rng() % max_id)}, emote_event{3, "hi there"},
                rejected_event{rng(), static_cast<std::uint8_t>(rng() % 9)}};
    std::uint32_t id = static_cast<std::uint32_t>(rng() % 50);
    for (int k = 0; k < 40; ++k) {
      f.updates.push_back({id, (rng() & 1) != 0, i32(), i32()});
      id += 1 + static_cast<std::uint32_t>(rng() % 300);
    }
    const std::vector<server_msg> ss{f, welcome_msg{.entity = 4, .resumed = true, .half = 32000, .key = "bob"},
                                     error_msg{"rate_limited", "slow down"}};
    for (const server_msg& m : ss) {
      std::string s;
      encode(m, s);
      const auto d = decode_server(s);
      ASSERT_TRUE(d.msg) << d.error;
      EXPECT_EQ(*d.msg, m);
    }
  }
}

TEST(wire, malformed_messages_are_refused_with_a_reason) {
  struct case_t {
    std::string in;
    bool client;
    std::string why;
  };
  std::string ok_ack;
  encode(ack_msg{5}, ok_ack);
  const std::vector<case_t> cases{
      {"", true, "empty message"},
      {bytes({0x09}), true, "unknown message type"},
      {ok_ack + "x", true, "bytes left after the message"},
      {bytes({0x01, 0x01, 0x04}), true, "unknown command kind"},
      {bytes({0x01, 0x01, 0x03, 0x05, 'a'}), true, "emote text runs past the end"},
      {bytes({0x01, 0x01, 0x00, 0xFE, 0xFF, 0xFF, 0xFF, 0x1F, 0x00}), true, "vx out of range"},
      {bytes({0x11, 0x05, 0x02, 0x00, 0x00, 0x00}), false, "unknown frame flags"},
      {bytes({0x11, 0x05, 0x00, 0x05, 0x00, 0x00}), false, "base not before tick"},
      {bytes({0x11, 0x05, 0x00, 0x00, 0x7F}), false, "event count out of range"},
      {bytes({0x11, 0x05, 0x00, 0x00, 0x01, 0x09, 0x00}), false, "unknown event type"},
      {bytes({0x11, 0x05, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00}), false, "update ids not ascending"},
      {bytes({0x11, 0x05, 0x00, 0x00, 0x01, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00}), false, "unknown entity kind"},
  };
  for (const case_t& k : cases) {
    const std::string why = k.client ? decode_client(k.in).error : decode_server(k.in).error;
    EXPECT_EQ(why, k.why) << hex(k.in);
  }
}

}  // namespace
}  // namespace metronome::gateway::wire

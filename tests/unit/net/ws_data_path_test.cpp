// The raw WebSocket data path (src/net/ws_data_path.cpp) on real sockets
// (127.0.0.1): messages and their echo, fragmentation with a ping in the
// middle, the peer's pong reaching the handler, masking and size checks with
// their close codes, UTF-8 and close-frame checks, the closing handshake, slow readers, and shutdown with
// two I/O threads: every open connection gets close 1001.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "ws_test_server.hpp"

namespace metronome::net {
namespace {

using namespace std::chrono_literals;
using test_ws::raw_ws;
using test_ws::ws_server;

/// Waits until pred() holds, at most `limit`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(ws_data_path, messages_of_every_length_class_come_back) {
  ws_server s;
  raw_ws c(s.port());
  ASSERT_TRUE(c.upgraded());
  for (const std::size_t n : {0u, 1u, 125u, 126u, 4000u}) {
    const std::string payload(n, static_cast<char>('a' + n % 26));
    c.send_frame(0x82, payload);
    const auto f = c.read();
    ASSERT_TRUE(f) << n;
    EXPECT_EQ(f->opcode, 0x2);
    EXPECT_TRUE(f->fin);
    EXPECT_EQ(f->payload, payload);
  }
  c.send_frame(0x81, "text");
  const auto t = c.read();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->opcode, 0x1);
  EXPECT_EQ(t->payload, "text");
}

TEST(ws_data_path, a_fragmented_message_is_whole_and_a_ping_between_its_pieces_is_answered) {
  ws_server s;
  raw_ws c(s.port());
  ASSERT_TRUE(c.upgraded());
  c.send_frame(0x01, "hel");    // text, not final
  c.send_frame(0x89, "p1");     // a ping in the middle
  c.send_frame(0x00, "lo ");    // continuation
  c.send_frame(0x80, "world");  // final continuation
  const auto pong = c.read();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, 0xA);
  EXPECT_EQ(pong->payload, "p1");
  const auto m = c.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->opcode, 0x1);
  EXPECT_EQ(m->payload, "hello world");
}

TEST(ws_data_path, a_pong_reaches_the_handler_with_its_payload) {
  ws_server s;
  raw_ws c(s.port());
  ASSERT_TRUE(c.upgraded());
  c.send_frame(0x8A, "seq-7");
  const auto m = c.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "pong:seq-7");
}

TEST(ws_data_path, frames_split_across_reads_are_reassembled) {
  ws_server s;
  raw_ws c(s.port());
  ASSERT_TRUE(c.upgraded());
  // One masked frame sent a byte at a time, then two frames in one write.
  const std::string one =
      "\x81\x83\x01\x02\x03\x04" + std::string{static_cast<char>('a' ^ 1), static_cast<char>('b' ^ 2), static_cast<char>('c' ^ 3)};
  for (const char b : one) {
    c.send_bytes(std::string_view(&b, 1));
    std::this_thread::sleep_for(1ms);
  }
  const auto m = c.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "abc");
  c.send_bytes(one + one);
  EXPECT_EQ(c.read()->payload, "abc");
  EXPECT_EQ(c.read()->payload, "abc");
}

TEST(ws_data_path, an_unmasked_client_frame_closes_with_1002) {
  ws_server s;
  raw_ws c(s.port());
  ASSERT_TRUE(c.upgraded());
  c.send_frame(0x81, "bare", false);
  EXPECT_EQ(c.read_close_code(), 1002);
  EXPECT_TRUE(c.ended());
  EXPECT_TRUE(eventually([&] { return s.closed.load() == 1; }));
}

TEST(ws_data_path, a_message_over_the_limit_closes_with_1009_even_in_pieces) {
  ws_config cfg;
  cfg.max_message_bytes = 1000;
  ws_server s(cfg);
  raw_ws whole(s.port());
  whole.send_frame(0x82, std::string(1001, 'x'));
  EXPECT_EQ(whole.read_close_code(), 1009);
  raw_ws pieces(s.port());
  pieces.send_frame(0x02, std::string(600, 'x'));
  pieces.send_frame(0x80, std::string(600, 'x'));
  EXPECT_EQ(pieces.read_close_code(), 1009);
}

TEST(ws_data_path, a_text_message_that_is_not_utf8_closes_with_1007_even_in_pieces) {
  ws_server s;
  raw_ws ok(s.port());
  ok.send_frame(0x81, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xae");  // café € 🎮
  EXPECT_EQ(ok.read()->payload, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xae");
  raw_ws whole(s.port());
  whole.send_frame(0x81, "bad \xc0\xaf");  // an overlong '/'
  EXPECT_EQ(whole.read_close_code(), 1007);
  // A character split across two fragments is fine; an unfinished one is not.
  raw_ws split(s.port());
  split.send_frame(0x01, "\xe2\x82");
  split.send_frame(0x80, "\xac");
  EXPECT_EQ(split.read()->payload, "\xe2\x82\xac");
  raw_ws cut(s.port());
  cut.send_frame(0x01, "ok");
  cut.send_frame(0x80, "\xe2\x82");
  EXPECT_EQ(cut.read_close_code(), 1007);
  // Binary messages carry any bytes.
  raw_ws bin(s.port());
  bin.send_frame(0x82, "\xff\xfe");
  EXPECT_EQ(bin.read()->payload, "\xff\xfe");
}

TEST(ws_data_path, a_malformed_close_frame_is_answered_with_1002) {
  ws_server s;
  raw_ws one_byte(s.port());
  one_byte.send_frame(0x88, std::string("\x03", 1));
  EXPECT_EQ(one_byte.read_close_code(), 1002);
  raw_ws reserved(s.port());
  reserved.send_frame(0x88, std::string("\x03\xed", 2));  // 1005 must never be sent
  EXPECT_EQ(reserved.read_close_code(), 1002);
  raw_ws bad_reason(s.port());
  bad_reason.send_frame(0x88, std::string("\x03\xe8\xff", 3));
  EXPECT_EQ(bad_reason.read_close_code(), 1007);
  raw_ws app_code(s.port());
  app_code.send_frame(0x88, std::string("\x0f\xa0"
                                        "bye",
                                        5));  // 4000, an application's code
  EXPECT_EQ(app_code.read_close_code(), 4000);
}

TEST(ws_data_path, the_peers_close_is_echoed_then_the_connection_ends) {
  ws_server s;
  raw_ws c(s.port());
  ASSERT_TRUE(c.upgraded());
  c.send_frame(0x88, std::string("\x03\xe8", 2));  // 1000
  EXPECT_EQ(c.read_close_code(), 1000);
  EXPECT_TRUE(c.ended());
  EXPECT_TRUE(eventually([&] { return s.closed.load() == 1 && s.server->connection_count() == 0; }));
}

TEST(ws_data_path, a_reader_that_stops_reading_is_closed_and_its_queue_is_bounded) {
  ws_config cfg;
  cfg.max_queue_bytes = 64 * 1024;
  cfg.write_timeout = 1s;  // the close frame cannot get out either
  ws_server s(cfg);
  raw_ws c(s.port());
  ASSERT_TRUE(c.upgraded());
  // The echo of many 4 KB messages, never read: the socket buffers fill,
  // then the queue passes its bound and the server gives up on the reader.
  const std::string big(4000, 'y');
  for (int i = 0; i < 4000 && s.closed.load() == 0; ++i) c.send_frame(0x82, big);
  EXPECT_TRUE(eventually([&] { return s.closed.load() == 1; }, 20s));
}

TEST(ws_data_path, shutdown_sends_1001_to_every_open_connection_on_every_thread) {
  ws_config cfg;
  cfg.handshake_timeout = 1s;  // for the peers that never answer the close
  ws_server s(cfg, 2);
  // Round-robin over the two threads: both get connections. Some talk,
  // some never send a byte.
  std::vector<std::unique_ptr<raw_ws>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<raw_ws>(s.port()));
    ASSERT_TRUE(clients.back()->upgraded());
    if (i % 2 == 0) {
      clients.back()->send_frame(0x81, "hi");
      ASSERT_TRUE(clients.back()->read());
    }
  }
  ASSERT_TRUE(eventually([&] { return s.opened.load() == 6; }));
  std::thread stopper([&] { s.server->stop(); });
  for (auto& c : clients) EXPECT_EQ(c->read_close_code(), 1001);
  // Answer the closing handshake from one; the others let it time out.
  clients[0]->send_frame(0x88, std::string("\x03\xe9", 2));
  EXPECT_TRUE(clients[0]->ended());
  stopper.join();
  EXPECT_EQ(s.closed.load(), 6);
}

}  // namespace
}  // namespace metronome::net

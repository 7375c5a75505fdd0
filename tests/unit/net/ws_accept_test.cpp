// ws_config::accept on real sockets (127.0.0.1): a refused upgrade gets the
// hook's HTTP response with Connection: close and then end of stream, and no
// WebSocket is opened; an accepted one proceeds to the handshake; a hook that
// throws refuses with 500.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "http_client.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/server.hpp"
#include "metronome/net/websocket.hpp"
#include "ws_client.hpp"
#include "ws_test_server.hpp"

namespace metronome::net {
namespace {

using namespace std::chrono_literals;

using test_ws::ws_server;

ws_config with_accept(ws_accept_fn accept) {
  ws_config c;
  c.accept = std::move(accept);
  return c;
}

/// A well-formed upgrade request for `target`, with `extra` header lines.
std::string upgrade_request(const std::string& target, const std::string& extra = "") {
  return "GET " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
         extra + "\r\n";
}

/// The hook the gateway wants: 401 + JSON unless ?token=good.
std::optional<response> token_check(const request& req) {
  if (req.query == "token=good") return std::nullopt;
  return error_response(make_error(errc::unauthorized, "a valid token is required"));
}

TEST(ws_accept, a_refused_upgrade_gets_the_response_then_end_of_stream) {
  std::mutex m;
  request seen;
  std::thread::id hook_thread;
  ws_server s(with_accept([&](const request& req) {
    std::lock_guard lock(m);
    seen = req;
    hook_thread = std::this_thread::get_id();
    return token_check(req);
  }));
  test::http_connection c(s.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send_raw(upgrade_request("/ws?token=bad", "X-Client: abc\r\n")));
  const auto r = c.read_response();
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_NE(r.body.find("a valid token is required"), std::string::npos) << r.body;
  EXPECT_EQ(c.read_response().status, 0);  // the server closed the socket
  EXPECT_EQ(s.opened.load(), 0);
  std::lock_guard lock(m);
  EXPECT_EQ(seen.path, "/ws");
  EXPECT_EQ(seen.query, "token=bad");
  EXPECT_EQ(seen.header("x-client"), "abc");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
  EXPECT_FALSE(seen.request_id.empty());
  EXPECT_NE(hook_thread, std::this_thread::get_id());
}

TEST(ws_accept, an_accepted_upgrade_opens_the_websocket) {
  std::atomic<int> asked{0};
  ws_server s(with_accept([&](const request& req) {
    asked.fetch_add(1);
    return token_check(req);
  }));
  test::ws_client refused(s.port(), "/ws");
  EXPECT_FALSE(refused.connected());
  test::ws_client c(s.port(), "/ws?token=good");
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send_text("hello"));
  const auto m = c.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->data, "hello");
  EXPECT_EQ(asked.load(), 2);
  EXPECT_EQ(s.opened.load(), 1);
}

TEST(ws_accept, a_hook_that_throws_refuses_with_500) {
  ws_server s(with_accept([](const request&) -> std::optional<response> { throw std::runtime_error("no directory"); }));
  test::http_connection c(s.port());
  ASSERT_TRUE(c.send_raw(upgrade_request("/ws")));
  const auto r = c.read_response();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_EQ(c.read_response().status, 0);
  EXPECT_EQ(s.opened.load(), 0);
}

TEST(ws_accept, other_paths_do_not_reach_the_hook) {
  std::atomic<int> asked{0};
  ws_server s(with_accept([&](const request&) -> std::optional<response> {
    asked.fetch_add(1);
    return std::nullopt;
  }));
  test::http_connection c(s.port());
  ASSERT_TRUE(c.send_raw(upgrade_request("/elsewhere")));
  EXPECT_EQ(c.read_response().status, 404);
  EXPECT_EQ(asked.load(), 0);
}

}  // namespace
}  // namespace metronome::net

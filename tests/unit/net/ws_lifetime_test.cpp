// An application that keeps ws_connection handles past the session (the world
// gateway holds one per player) may release them after http_server::stop():
// the handle's socket is closed by then, and releasing it touches only its
// worker, which lives until the server is destroyed. Under ASan a worker freed
// by stop() made this a heap-use-after-free.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "metronome/net/server.hpp"
#include "metronome/net/websocket.hpp"
#include "ws_client.hpp"

namespace metronome::net {
namespace {

/// Answers "ok" to each message; does not drop its handle on close.
class keeper final : public ws_session_handler {
 public:
  explicit keeper(std::shared_ptr<ws_connection> c) : c_(std::move(c)) {}
  void on_message(std::string_view, bool) override { c_->send(ws_frame{std::make_shared<const std::string>("ok"), false, 0}); }
  void on_pong(std::string_view) override {}
  void on_close() override {}

 private:
  std::shared_ptr<ws_connection> c_;
};

TEST(ws_lifetime, handles_released_after_stop_are_safe) {
  std::mutex m;
  std::vector<std::shared_ptr<ws_connection>> held;  // what a game server's player table does
  server_config cfg;
  cfg.port = 0;
  cfg.threads = 2;
  cfg.shutdown_grace = std::chrono::milliseconds(200);  // the held handles keep the count up: no need to wait 5 s
  auto server = std::make_unique<http_server>(cfg, [](request&&, reply_fn reply) {
    response r;
    r.status = 404;
    reply(std::move(r));
  });
  server->set_websocket(ws_config{}, [&](std::shared_ptr<ws_connection> c, const request&) -> std::shared_ptr<ws_session_handler> {
    std::lock_guard lock(m);
    held.push_back(c);
    return std::make_shared<keeper>(std::move(c));
  });
  auto started = server->start();
  ASSERT_TRUE(started) << started.error().message;

  // Two connections, so both workers own one (round robin).
  test::ws_client a(server->port(), "/ws"), b(server->port(), "/ws");
  ASSERT_TRUE(a.connected());
  ASSERT_TRUE(b.connected());
  for (auto* c : {&a, &b}) {
    ASSERT_TRUE(c->send_text("hi"));
    const auto reply = c->read();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->data, "ok");
  }

  server->stop();                             // the clients are still connected: stop cuts them off
  EXPECT_EQ(server->connection_count(), 2u);  // the handles keep the sessions
  {
    std::lock_guard lock(m);
    EXPECT_EQ(held.size(), 2u);
    held.clear();  // released after stop, before the server is destroyed
  }
  EXPECT_FALSE(a.read(std::chrono::milliseconds(2000)));  // the client sees its socket closed
  server.reset();
}

}  // namespace
}  // namespace metronome::net

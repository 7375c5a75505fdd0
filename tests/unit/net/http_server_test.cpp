// net::http_server on real sockets (127.0.0.1): requests as handlers see
// them, pipelining answered in order, keep-alive reuse, the handler timeout
// and a dropped reply, limits, 100-continue, and stop() while connections
// come and go (the ThreadSanitizer run exercises that last one).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/server.hpp"

namespace metronome::net {
namespace {

using namespace std::chrono_literals;

response text(std::string body, unsigned status = 200) {
  response r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  r.route = "/test";
  return r;
}

/// A server on a free port with `h` as its handler, stopped on destruction.
struct running_server {
  explicit running_server(handler h, server_config cfg = {}) {
    cfg.port = 0;
    if (cfg.threads == 0) cfg.threads = 2;
    server = std::make_unique<http_server>(cfg, std::move(h));
    auto started = server->start();
    if (!started) throw std::runtime_error(started.error().message);
  }
  std::uint16_t port() const { return server->port(); }
  std::unique_ptr<http_server> server;
};

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

TEST(http_server, a_request_reaches_the_handler_as_sent) {
  std::mutex m;
  request seen;
  running_server s([&](request&& req, reply_fn reply) {
    {
      std::lock_guard lock(m);
      seen = req;
    }
    reply(text("ok"));
  });
  auto r = test::http_call(s.port(), "POST", "/a/b?x=1&y=%20", R"({"k":1})", {{"X-Custom", "Value"}, {"X-Request-Id", "abc-123"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.header("x-request-id"), "abc-123");
  EXPECT_EQ(r.header("content-type"), "text/plain");
  std::lock_guard lock(m);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/a/b?x=1&y=%20");
  EXPECT_EQ(seen.path, "/a/b");
  EXPECT_EQ(seen.query, "x=1&y=%20");
  EXPECT_EQ(seen.header("x-custom"), "Value");
  EXPECT_EQ(seen.body, R"({"k":1})");
  EXPECT_EQ(seen.request_id, "abc-123");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
}

TEST(http_server, keep_alive_requests_reuse_one_connection_without_leaking_fields) {
  std::mutex m;
  std::vector<request> seen;
  running_server s([&](request&& req, reply_fn reply) {
    std::string body = req.path + "|" + std::string(req.header("x-n")) + "|" + req.body;
    {
      std::lock_guard lock(m);
      seen.push_back(req);
    }
    reply(text(std::move(body)));
  });
  test::http_connection c(s.port());
  ASSERT_TRUE(c.connected());
  // The second request has fewer headers and no body: nothing of the first may remain.
  auto a = c.request("POST", "/first?q=1", "body-one", {{"X-N", "1"}, {"X-Extra", "e"}});
  auto b = c.request("GET", "/second", "", {{"X-N", "2"}});
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(a.body, "/first|1|body-one");
  EXPECT_EQ(b.body, "/second|2|");
  std::lock_guard lock(m);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].query, "");
  EXPECT_EQ(seen[1].header("x-extra"), "");
  EXPECT_NE(seen[0].request_id, seen[1].request_id);  // generated, one per request
}

TEST(http_server, pipelined_requests_are_answered_in_order) {
  // The first request is answered late from another thread, the others at
  // once: the answers must still come back in the order asked.
  std::mutex m;
  std::vector<std::thread> late;
  running_server s([&](request&& req, reply_fn reply) {
    if (req.path == "/slow") {
      std::lock_guard lock(m);
      late.emplace_back([reply] {
        std::this_thread::sleep_for(50ms);
        reply(text("slow"));
      });
      return;
    }
    reply(text(req.path.substr(1)));
  });
  test::http_connection c(s.port());
  ASSERT_TRUE(c.connected());
  std::string burst;
  for (const char* path : {"/slow", "/one", "/two", "/three"}) {
    burst += std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  ASSERT_TRUE(c.send_raw(burst));
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) bodies.push_back(c.read_response().body);
  EXPECT_EQ(bodies, (std::vector<std::string>{"slow", "one", "two", "three"}));
  std::lock_guard lock(m);
  for (auto& t : late) t.join();
}

TEST(http_server, a_slow_handler_gets_504_and_its_late_answer_reaches_nobody) {
  std::mutex m;
  std::condition_variable cv;
  reply_fn kept;
  std::atomic<int> calls{0};
  server_config cfg;
  cfg.handler_timeout = 100ms;
  running_server s(
      [&](request&& req, reply_fn reply) {
        if (calls++ == 0) {
          std::lock_guard lock(m);
          kept = std::move(reply);  // answered only after the timeout
          cv.notify_all();
          return;
        }
        reply(text("second:" + req.path));
      },
      cfg);
  test::http_connection c(s.port());
  auto first = c.request("GET", "/first");
  EXPECT_EQ(first.status, 504);
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return static_cast<bool>(kept); }));
    kept(text("too late"));
    kept = nullptr;
  }
  auto second = c.request("GET", "/next");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "second:/next");
}

TEST(http_server, a_dropped_reply_is_a_500_at_once) {
  running_server s([](request&&, reply_fn reply) {
    std::thread([r = std::move(reply)]() mutable { r = nullptr; }).join();  // the last copy dies on another thread
  });
  const auto started = std::chrono::steady_clock::now();
  auto r = test::http_call(s.port(), "GET", "/x");
  EXPECT_EQ(r.status, 500);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // not the 15 s handler timeout
}

TEST(http_server, limits_are_answered_before_closing) {
  server_config cfg;
  cfg.body_limit = 16;
  cfg.header_limit = 512;
  running_server s([](request&&, reply_fn reply) { reply(text("ok")); }, cfg);
  EXPECT_EQ(test::http_call(s.port(), "POST", "/", std::string(17, 'x')).status, 413);
  EXPECT_EQ(test::http_call(s.port(), "GET", "/", "", {{"X-Big", std::string(1024, 'y')}}).status, 431);
  test::http_connection c(s.port());
  ASSERT_TRUE(c.send_raw("NOT A REQUEST\r\n\r\n"));
  auto bad = c.read_response();
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"error\""), std::string::npos);
}

TEST(http_server, expect_100_continue_gets_the_interim_answer_first) {
  running_server s([](request&& req, reply_fn reply) { reply(text("got:" + req.body)); });
  test::http_connection c(s.port());
  ASSERT_TRUE(c.send_raw("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.send_raw("hello"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "got:hello");
}

TEST(http_server, head_gets_the_gets_content_length_and_no_body) {
  // The handler answers HEAD with the GET's body (net::router runs the GET
  // handler); the connection writes the head only. A GET pipelined behind
  // the HEAD must start right after the HEAD's blank line.
  running_server s([](request&& req, reply_fn reply) {
    reply(text(req.path == "/missing" ? "no such thing" : "twelve bytes", req.path == "/missing" ? 404 : 200));
  });
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(s.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string out =
      "HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nHEAD /missing HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::send(fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string in;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    in.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto first_end = in.find("\r\n\r\n");
  ASSERT_NE(first_end, std::string::npos) << in;
  const std::string head = in.substr(0, first_end);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200")) << head;
  EXPECT_NE(head.find("Content-Length: 12"), std::string::npos) << head;
  const std::string rest = in.substr(first_end + 4);
  ASSERT_TRUE(rest.starts_with("HTTP/1.1 404")) << rest;
  EXPECT_NE(rest.find("Content-Length: 13"), std::string::npos) << rest;
  const std::string last = rest.substr(rest.find("\r\n\r\n") + 4);
  ASSERT_TRUE(last.starts_with("HTTP/1.1 200")) << last;
  EXPECT_TRUE(last.ends_with("\r\n\r\ntwelve bytes")) << last;
}

TEST(http_server, connection_close_is_honoured) {
  running_server s([](request&&, reply_fn reply) { reply(text("bye")); });
  test::http_connection c(s.port());
  ASSERT_TRUE(c.send_raw("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(eventually([&] { return s.server->connection_count() == 0; }));
}

TEST(http_server, stop_while_connections_come_and_go) {
  // Clients open, use and close connections on both I/O threads while the
  // server stops: stop() polls the workers' connection slots as sessions
  // insert and erase them.
  running_server s([](request&& req, reply_fn reply) {
    if (req.path == "/async") {
      std::thread([r = std::move(reply)] { r(text("later")); }).detach();
      return;
    }
    reply(text("now"));
  });
  std::atomic<bool> go{true};
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      while (go.load()) {
        test::http_connection c(s.port(), 2000ms);
        if (!c.connected()) continue;
        if (c.request("GET", t % 2 == 0 ? "/async" : "/now").status == 200) ++answered;
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return answered.load() >= 50; }));
  s.server->stop();
  go = false;
  for (auto& c : clients) c.join();
  EXPECT_EQ(s.server->connection_count(), 0u);
}

}  // namespace
}  // namespace metronome::net

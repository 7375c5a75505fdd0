// Bad requests to the edge: malformed and oversized requests get the same
// status and the same error body as the region node gives for the same
// mistake ({"error":{"code":"...","message":"..."}}), and the edge's limits
// (body, header, read timeout) hold.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "edge_fixture.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

struct bad_request {
  const char* what;
  std::string method;
  header_list headers;
  std::string body;
  int status;
  const char* code;
};

TEST(edge_limits, malformed_and_oversized_requests_get_the_region_nodes_error_format) {
  edge_cluster c({"eu"});
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const std::vector<bad_request> cases = {
      {"oversized body", "POST", {}, R"({"userId":")" + std::string(70 * 1024, 'x') + R"("})", 413, "payload_too_large"},
      {"oversized header", "POST", {{"X-Filler", std::string(9000, 'a')}}, R"({"userId":"a"})", 431, "invalid_argument"},
      {"malformed JSON", "POST", {}, R"({"userId":)", 400, "invalid_argument"},
      {"not an object", "POST", {}, "[1,2]", 400, "invalid_argument"},
      {"too deep", "POST", {}, R"({"userId":"a","x":)" + deep + "}", 400, "invalid_argument"},
      {"no userId", "POST", {}, R"({"tickMs":100})", 400, "invalid_argument"},
      {"userId not a string", "POST", {}, R"({"userId":5})", 400, "invalid_argument"},
      {"not JSON", "POST", {{"Content-Type", "text/plain"}}, R"({"userId":"a"})", 415, "unsupported_media_type"},
      {"wrong method", "GET", {}, "", 405, "method_not_allowed"},
  };
  for (const auto& bad : cases) {
    const auto at_edge = c.edge().call(bad.method, "/edge/game/start", bad.body, bad.headers);
    const auto at_region = c.region("eu").call(bad.method, "/game/start", bad.body, bad.headers);
    EXPECT_EQ(at_edge.status, bad.status) << bad.what << ": " << at_edge.body;
    EXPECT_EQ(at_region.status, bad.status) << bad.what << ": " << at_region.body;
    EXPECT_TRUE(is_error_body(at_edge, bad.code)) << bad.what << ": " << at_edge.body;
    EXPECT_TRUE(is_error_body(at_region, bad.code)) << bad.what << ": " << at_region.body;
    EXPECT_EQ(at_edge.header("content-type"), at_region.header("content-type")) << bad.what;
  }
  EXPECT_EQ(c.edge().call("GET", "/edge/game/start").header("allow"), "POST");

  // Not HTTP at all.
  for (const auto port : {c.edge().port(), c.region("eu").port()}) {
    http_connection conn(port);
    ASSERT_TRUE(conn.send_raw("GARBAGE / HTTP/9.9\r\n\r\n"));
    const auto r = conn.read_response();
    EXPECT_EQ(r.status, 400) << port;
    EXPECT_TRUE(is_error_body(r, "invalid_argument")) << r.body;
  }
  // No such route.
  const auto nowhere = c.edge().call("GET", "/no/such/route");
  EXPECT_EQ(nowhere.status, 404);
  EXPECT_TRUE(is_error_body(nowhere, "not_found")) << nowhere.body;

  // A request the edge finds well-formed but the region refuses: the
  // region's answer is passed on as it is.
  const std::string long_user = R"({"userId":")" + std::string(200, 'u') + R"("})";
  const auto refused_at_edge = c.edge().start(long_user);
  const auto refused_at_region = c.region("eu").call("POST", "/game/start", long_user);
  EXPECT_EQ(refused_at_edge.status, 400);
  EXPECT_EQ(refused_at_edge.status, refused_at_region.status);
  EXPECT_EQ(json::parse(refused_at_edge.body), json::parse(refused_at_region.body));

  // None of this upset the edge.
  EXPECT_EQ(c.edge().call("GET", "/healthz").status, 200);
  EXPECT_EQ(c.edge().start(start_body("after-the-abuse")).status, 201);
}

TEST(edge_limits, the_edge_bounds_body_size_and_the_time_to_send_a_request) {
  edge_cluster c({"eu"}, {"BODY_LIMIT_BYTES=2048", "READ_TIMEOUT_MS=400"});
  const auto big = c.edge().start(R"({"userId":"a","pad":")" + std::string(3000, ' ') + R"("})");
  EXPECT_EQ(big.status, 413);
  EXPECT_TRUE(is_error_body(big, "payload_too_large")) << big.body;
  EXPECT_EQ(c.edge().start(R"({"userId":"a","pad":")" + std::string(1000, ' ') + R"("})").status, 201);

  // A client trickling its head byte by byte is cut off at the read timeout.
  http_connection conn(c.edge().port(), 10s);
  ASSERT_TRUE(conn.send_raw("POST /edge/game/start HTTP/1.1\r\nHost: x\r\n"));
  bool cut_off = false;
  for (int i = 0; i < 100 && !cut_off; ++i) {
    std::this_thread::sleep_for(100ms);
    cut_off = !conn.send_raw("X");
  }
  EXPECT_EQ(conn.read_response().status, 0);  // closed without an answer
  EXPECT_EQ(c.edge().call("GET", "/healthz").status, 200);
}

TEST(edge_limits, the_region_gets_the_callers_request_id) {
  edge_cluster c({"eu"});
  const auto s = c.edge().start(start_body("traced"), {{"X-Request-Id", "trace-edge-42"}});
  ASSERT_EQ(s.status, 201);
  EXPECT_EQ(s.header("x-request-id"), "trace-edge-42");
  // The region logged the same request id for the proxied request.
  EXPECT_TRUE(eventually([&] { return read_file(c.region("eu").log_path()).find(R"("request_id":"trace-edge-42")") != std::string::npos; }))
      << read_file(c.region("eu").log_path());
}

// Issue 15: per-client token buckets on starts and exits, at the edge and at
// the region. The region believes X-Forwarded-For from TRUSTED_PROXIES (the
// edge), so behind an edge each player has a bucket of its own there too.
// One token a second, three at once: however slow the machine, at most
// 3 + (seconds taken) requests in a row are admitted before a 429.
TEST(edge_limits, starts_and_exits_over_the_rate_limit_get_429_with_retry_after) {
  const std::vector<std::string> limits = {"RATE_LIMIT_PER_SECOND=1", "RATE_LIMIT_BURST=3"};
  std::vector<std::string> region_env = limits;
  region_env.emplace_back("TRUSTED_PROXIES=127.0.0.1");
  edge_cluster c({"eu"}, limits, region_env);

  auto admitted_before_429 = [](const std::function<http_result()>& send, http_result& refused) {
    const auto began = std::chrono::steady_clock::now();
    int admitted = 0;
    for (int i = 0; i < 50; ++i) {
      refused = send();
      if (refused.status == 429) break;
      EXPECT_EQ(refused.status / 100, 2) << refused.body;
      ++admitted;
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - began).count();
    EXPECT_EQ(refused.status, 429);
    EXPECT_GE(admitted, 3);
    EXPECT_LE(admitted, 3 + seconds + 1);
    EXPECT_TRUE(is_error_body(refused, "too_many_requests")) << refused.body;
    EXPECT_EQ(refused.header("retry-after"), "1");  // one token a second
  };

  int n = 0;
  http_result refused;
  admitted_before_429([&] { return c.edge().start(start_body("limited-" + std::to_string(n++))); }, refused);
  EXPECT_EQ(c.edge().call("GET", "/edge/time").status, 200);  // reads are not limited

  // At the region, players named by the trusted X-Forwarded-For have their
  // own buckets.
  admitted_before_429([&] { return c.region("eu").call("POST", "/v1/sessions", "{}", {{"X-Forwarded-For", "198.51.100.1"}}); }, refused);
  const auto other_player = c.region("eu").call("POST", "/v1/sessions", "{}", {{"X-Forwarded-For", "198.51.100.2"}});
  EXPECT_EQ(other_player.status, 201) << other_player.body;
}

}  // namespace
}  // namespace metronome::test

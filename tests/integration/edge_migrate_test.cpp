// Session migration with real processes (docs/protocol.md "Migration",
// docs/openapi.yaml POST /edge/admin/sessions/{id}/migrate): two regions on
// one store and an edge; WebSocket players on eu; the session is moved to us
// mid-game. Every player, including one that connects while the move is
// under way and one that connects after it, sees every step exactly once:
// the step numbers it receives run without a gap or a repeat across the
// move. Then the error answers (401, 400, 404, 409).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "edge_fixture.hpp"
#include "ws_client.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string admin = "migrate-admin-secret-0123";
const header_list as_admin = {{"Authorization", "Bearer " + admin}};

edge_cluster two_regions() {
  return edge_cluster({"eu", "us"}, {"ADMIN_TOKEN=" + admin}, {"ADMIN_TOKEN=" + admin, "COUNTDOWN_MS=300", "PING_INTERVAL_MS=200"});
}

std::string create_on(region_process& r, int tick_ms) {
  const auto res = r.call("POST", "/v1/sessions", R"({"mode":"server","tick_ms":)" + std::to_string(tick_ms) + "}");
  EXPECT_EQ(res.status, 201) << res.body;
  return str_of(json_of(res), "id");
}

std::uint16_t port_of(const std::string& ws_url) {
  // ws://127.0.0.1:PORT/ws
  const auto colon = ws_url.rfind(':');
  const auto slash = ws_url.find('/', colon);
  if (colon == std::string::npos || slash == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(ws_url.substr(colon + 1, slash - colon - 1)));
}

/// One player that follows the session wherever it goes: joins, collects
/// tick steps, and on `migrate` (or `error` session_moved) reconnects to
/// the named region with `after` = the last step it received.
struct follower {
  std::string session, user;
  std::uint16_t first_port;
  std::int64_t until_step;  ///< Stops once it has this step.

  std::mutex m;
  std::vector<std::int64_t> steps;
  std::vector<std::string> regions;        ///< session_joined's region, per connection
  std::vector<std::uint16_t> close_codes;  ///< per connection
  int migrates = 0, moved_errors = 0;
  std::string failure;
  std::atomic<bool> done{false};

  std::size_t seen() {
    std::lock_guard lock(m);
    return steps.size();
  }

  void run() {
    std::uint16_t port = first_port;
    std::optional<std::int64_t> last;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (int connection = 0; connection < 4 && !done && std::chrono::steady_clock::now() < deadline; ++connection) {
      ws_client c(port);
      if (!c.connected()) {
        failure = "could not connect to " + std::to_string(port);
        break;
      }
      std::string join = R"({"action":"join","sessionId":")" + session + R"(","userId":")" + user + "\"";
      if (last) join += ",\"after\":" + std::to_string(*last);
      c.send_text(join + "}");
      std::uint16_t next = 0;
      while (!done && std::chrono::steady_clock::now() < deadline) {
        auto msg = c.read(2000ms);
        if (!msg) break;  // closed (or silent: the deadline ends it)
        const json::object o = json::parse(msg->data).as_object();
        const std::string type(o.at("type").as_string());
        std::lock_guard lock(m);
        if (type == "session_joined") {
          regions.emplace_back(o.at("region").as_string());
        } else if (type == "tick") {
          const std::int64_t step = o.at("step").as_int64();
          steps.push_back(step);
          last = step;
          if (step >= until_step) done = true;
        } else if (type == "migrate") {
          ++migrates;
          next = port_of(std::string(o.at("wsUrl").as_string()));
        } else if (type == "error" && o.at("code").as_string() == "session_moved") {
          ++moved_errors;
          next = port_of(std::string(o.at("wsUrl").as_string()));
        } else if (type == "error" || type == "kicked" || type == "stopped") {
          failure = "unexpected " + json::serialize(o);
        }
      }
      if (!done) {
        for (int i = 0; i < 20 && !c.closed(); ++i) c.read(100ms);
      }
      std::lock_guard lock(m);
      close_codes.push_back(c.close_code());
      if (done || next == 0) break;
      port = next;
    }
    done = true;
  }
};

/// Steps must run one by one: no gap, no repeat.
std::string gaps_or_repeats(const std::vector<std::int64_t>& steps) {
  for (std::size_t i = 1; i < steps.size(); ++i) {
    if (steps[i] != steps[i - 1] + 1) {
      return "step " + std::to_string(steps[i]) + " after " + std::to_string(steps[i - 1]) + " (index " + std::to_string(i) + ")";
    }
  }
  return "";
}

TEST(edge_migrate, every_client_sees_every_step_exactly_once_across_the_move) {
  auto c = two_regions();
  // 200 ms steps: a busy machine may delay a timer, not by a whole step.
  const std::string id = create_on(c.region("eu"), 200);
  ASSERT_FALSE(id.empty());

  // The session's step now and then: the players run until 20 steps after
  // the move.
  auto step_now = [&] {
    const auto s = c.region("us").call("GET", "/v1/sessions/" + id + "/state");
    return json_of(s).at("step").as_int64();
  };

  std::vector<std::unique_ptr<follower>> players;
  auto add = [&](const std::string& user, std::uint16_t port, std::int64_t until) {
    players.push_back(std::make_unique<follower>());
    auto& p = *players.back();
    p.session = id;
    p.user = user;
    p.first_port = port;
    p.until_step = until;
  };
  const std::uint16_t eu = c.region("eu").port(), us = c.region("us").port();
  constexpr std::int64_t horizon = 45;  // the steps every player runs to
  for (const char* u : {"p1", "p2", "p3"}) add(u, eu, horizon);
  std::vector<std::thread> threads;
  for (auto& p : players) threads.emplace_back([&p] { p->run(); });

  // Everyone is playing (a few ticks each) before the move.
  ASSERT_TRUE(eventually([&] {
    for (auto& p : players) {
      if (p->seen() < 5) return false;
    }
    return true;
  }));
  ASSERT_LT(step_now(), horizon - 20) << "the machine is too slow for this test's horizon";

  // One player connects while the move is under way.
  add("during", eu, horizon);
  threads.emplace_back([p = players.back().get()] { p->run(); });
  const auto moved = c.edge().call("POST", "/edge/admin/sessions/" + id + "/migrate", R"({"region":"us"})", as_admin);
  ASSERT_EQ(moved.status, 200) << moved.body;
  const auto answer = json_of(moved);
  EXPECT_EQ(str_of(answer, "from"), "eu");
  EXPECT_EQ(str_of(answer, "region"), "us");
  EXPECT_EQ(port_of(str_of(answer, "wsEndpoint")), us);
  EXPECT_TRUE(answer.at("notified").as_bool());
  // And one after it, at the old region: told where the session went.
  add("after", eu, horizon);
  threads.emplace_back([p = players.back().get()] { p->run(); });

  for (auto& t : threads) t.join();
  for (auto& p : players) {
    SCOPED_TRACE(p->user);
    EXPECT_EQ(p->failure, "");
    ASSERT_FALSE(p->steps.empty());
    EXPECT_EQ(gaps_or_repeats(p->steps), "");
    EXPECT_EQ(p->steps.back(), horizon);
    ASSERT_FALSE(p->regions.empty());
    EXPECT_EQ(p->regions.back(), "us") << "ended on the new region";
  }
  // The players that were on eu got `migrate` and close 4007.
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(players[i]->user);
    EXPECT_EQ(players[i]->migrates, 1);
    ASSERT_GE(players[i]->close_codes.size(), 2u);
    EXPECT_EQ(players[i]->close_codes[0], 4007);
    EXPECT_EQ(players[i]->regions.front(), "eu");
  }
  // The late one was refused by eu with where to go.
  EXPECT_EQ(players[4]->moved_errors, 1);
  EXPECT_EQ(players[4]->close_codes.front(), 4007);

  // The record moved, the edge's answer follows, eu no longer serves it.
  EXPECT_EQ(str_of(json_of(c.region("eu").call("GET", "/v1/sessions/" + id)), "region"), "us");
  EXPECT_EQ(str_of(json_of(c.edge().call("GET", "/edge/sessions/" + id)), "backendRegion"), "us");
}

TEST(edge_migrate, a_seed_001_client_that_ignores_migrate_sees_a_clear_close) {
  auto c = two_regions();
  const std::string id = create_on(c.region("eu"), 100);
  ws_client plain(c.region("eu").port());
  plain.send_text(R"({"action":"join","sessionId":")" + id + R"(","userId":"old"})");
  ASSERT_TRUE(eventually([&] {
    auto m = plain.read(200ms);
    return m && m->data.find("\"tick\"") != std::string::npos;
  }));
  const auto moved = c.edge().call("POST", "/edge/admin/sessions/" + id + "/migrate", R"({"region":"us"})", as_admin);
  ASSERT_EQ(moved.status, 200) << moved.body;
  std::string migrate;
  for (int i = 0; i < 100 && !plain.closed(); ++i) {
    if (auto m = plain.read(100ms); m && m->data.find("\"migrate\"") != std::string::npos) migrate = m->data;
  }
  EXPECT_TRUE(plain.closed());
  EXPECT_EQ(plain.close_code(), 4007);
  ASSERT_FALSE(migrate.empty());
  const auto o = json::parse(migrate).as_object();
  EXPECT_EQ(o.at("region").as_string(), "us");
  EXPECT_EQ(o.at("sessionId").as_string(), id);
  EXPECT_GE(o.at("lastStep").as_int64(), 0);
  EXPECT_EQ(port_of(std::string(o.at("wsUrl").as_string())), c.region("us").port());
}

TEST(edge_migrate, errors_401_400_404_409) {
  auto c = two_regions();
  const std::string id = create_on(c.region("eu"), 100);
  const std::string path = "/edge/admin/sessions/" + id + "/migrate";
  auto call = [&](const std::string& target, const std::string& body, const header_list& h = as_admin) {
    return c.edge().call("POST", target, body, h);
  };
  // No token, a wrong one.
  EXPECT_TRUE(is_error_body(call(path, R"({"region":"us"})", {}), "unauthorized"));
  EXPECT_EQ(call(path, R"({"region":"us"})", {{"Authorization", "Bearer nope"}}).status, 401);
  // Bad bodies and an unknown region.
  for (const std::string body : {R"({})", R"({"region":7})", R"([1])", R"({"region":"mars"})"}) {
    const auto r = call(path, body);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
    EXPECT_TRUE(is_error_body(r, "invalid_argument")) << r.body;
  }
  // No such session.
  const auto missing = call("/edge/admin/sessions/0b6c2f4e-9a1d-4c3b-8e7f-000000000000/migrate", R"({"region":"us"})");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_TRUE(is_error_body(missing, "not_found")) << missing.body;
  // Already there.
  const auto there = call(path, R"({"region":"eu"})");
  EXPECT_EQ(there.status, 409) << there.body;
  EXPECT_TRUE(is_error_body(there, "conflict")) << there.body;
  // The region's own notice route refuses a notice the store contradicts.
  const auto stale = c.region("eu").call("POST", "/v1/sessions/" + id + "/migrated", R"({"region":"us"})", as_admin);
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(c.region("eu").call("POST", "/v1/sessions/" + id + "/migrated", R"({"region":"us"})").status, 401);
  // Ended.
  ASSERT_EQ(c.region("eu").call("POST", "/v1/sessions/" + id + "/stop", "", as_admin).status, 200);
  const auto ended = call(path, R"({"region":"us"})");
  EXPECT_EQ(ended.status, 409) << ended.body;
  // An unhealthy target.
  const std::string other = create_on(c.region("eu"), 100);
  c.region("us").process().signal(SIGKILL);
  ASSERT_TRUE(c.edge().wait_status("us", "down"));
  const auto down = call("/edge/admin/sessions/" + other + "/migrate", R"({"region":"us"})");
  EXPECT_EQ(down.status, 409) << down.body;
  EXPECT_EQ(str_of(json_of(c.region("eu").call("GET", "/v1/sessions/" + other)), "region"), "eu");
}

}  // namespace
}  // namespace metronome::test

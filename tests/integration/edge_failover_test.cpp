// Regions failing under the edge: one killed in the middle of traffic, one
// that accepts connections and never answers (stopped with SIGSTOP).
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "edge_fixture.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

struct outcome {
  bool sent_after_kill;
  int status;
  std::string id, user, region, served_by, retried_from;
};

TEST(edge_failover, a_region_killed_mid_traffic_loses_no_acknowledged_session) {
  edge_cluster c({"eu", "us"}, {"DEFAULT_REGION=eu", "PROXY_TIMEOUT_MS=3000", "BREAKER_COOLDOWN_MS=500"});
  std::mutex mutex;
  std::vector<outcome> outcomes;
  std::atomic<bool> killed{false}, stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&, t] {
      http_connection conn(c.edge().port(), 15s);
      for (int n = 0; !stop; ++n) {
        const bool after = killed;
        const std::string user = "kill-" + std::to_string(t) + "-" + std::to_string(n);
        const auto r = conn.request("POST", "/edge/game/start", start_body(user));
        outcome o{after, r.status, "", user, "", "", ""};
        if (r.status == 201 || r.status == 200) {
          const auto b = json_of(r);
          o.id = str_of(b, "gameId");
          o.region = str_of(b, "backendRegion");
          o.served_by = str_of(b, "servedBy");
          o.retried_from = str_of(b, "retriedFrom");
        }
        std::lock_guard lock(mutex);
        outcomes.push_back(o);
        if (r.status == 0) return;  // the edge closed on us: reported below
      }
    });
  }
  auto count = [&](auto pred) {
    std::lock_guard lock(mutex);
    return std::count_if(outcomes.begin(), outcomes.end(), pred);
  };
  auto finish = [&] {
    stop = true;
    for (auto& t : clients) t.join();
  };
  if (!eventually([&] { return count([](const outcome& o) { return o.region == "eu"; }) >= 30; }, 30s)) {
    finish();
    FAIL() << "no traffic reached eu";
  }
  c.region("eu").process().signal(SIGKILL);
  ASSERT_EQ(c.region("eu").process().wait(5s), 128 + SIGKILL);
  killed = true;
  const bool enough = eventually([&] { return count([](const outcome& o) { return o.sent_after_kill; }) >= 30; }, 30s);
  finish();
  ASSERT_TRUE(enough);

  // Every start was answered with a session, before and after the kill:
  // the edge retried elsewhere what eu could not answer.
  std::size_t on_eu = 0, retried = 0;
  for (const auto& o : outcomes) {
    ASSERT_TRUE(o.status == 201 || o.status == 200) << o.user << ": HTTP " << o.status;
    // New starts go elsewhere once eu is dead.
    if (o.sent_after_kill) {
      EXPECT_EQ(o.region, "us") << o.user;
    }
    on_eu += o.region == "eu";
    retried += o.retried_from == "eu";
  }
  std::printf("%zu starts, %zu owned by eu, %zu retried from eu\n", outcomes.size(), on_eu, retried);

  // No acknowledged session lost: the surviving region reads each one, with
  // its owner, from the shared store.
  for (const auto& o : outcomes) {
    const auto got = c.region("us").call("GET", "/v1/sessions/" + o.id);
    ASSERT_EQ(got.status, 200) << o.id;
    EXPECT_EQ(str_of(json_of(got), "user_id"), o.user);
    EXPECT_EQ(str_of(json_of(got), "region"), o.region);
  }

  // Exits of eu's sessions still succeed through the edge, without
  // backendRegion: half found through this edge's cache, half through the
  // store by a second edge that has never seen them.
  auto fresh_edge = c.another_edge({"DEFAULT_REGION=eu"});
  ASSERT_TRUE(fresh_edge->wait_status("us", "up"));
  std::size_t via_cache = 0, via_store = 0;
  for (const auto& o : outcomes) {
    if (o.region != "eu") continue;
    const bool use_store = (via_cache + via_store) % 2 == 1;
    edge_process& edge = use_store ? *fresh_edge : c.edge();
    const auto e = edge.exit(json::serialize(json::object{{"gameId", o.id}, {"userId", o.user}}));
    ASSERT_EQ(e.status, 200) << o.id << " " << e.body;
    const auto b = json_of(e);
    EXPECT_EQ(str_of(b, "status"), "exited");
    EXPECT_EQ(str_of(b, "backendRegion"), "eu");
    EXPECT_EQ(str_of(b, "servedBy"), "us");
    EXPECT_EQ(str_of(b, "regionFrom"), use_store ? "store" : "cache");
    ++(use_store ? via_store : via_cache);
  }
  EXPECT_GE(via_store, 1u);

  // eu comes back: probes pass, the breaker closes, starts return to it.
  c.region("eu").restart();
  ASSERT_TRUE(c.edge().wait_status("eu", "up"));
  const auto back = c.edge().start(start_body("kill-back"));
  ASSERT_EQ(back.status, 201) << back.body;
  EXPECT_EQ(str_of(json_of(back), "backendRegion"), "eu");
  EXPECT_EQ(c.edge().process().stop(), 0) << read_file(c.edge().log_path());
}

TEST(edge_failover, a_region_that_never_answers_does_not_hang_the_edge) {
  // Probes only at start (HEALTH_INTERVAL_MS=60000): the edge must find out
  // from its own requests, through PROXY_TIMEOUT_MS and the breaker.
  edge_cluster c({"eu", "us"}, {"DEFAULT_REGION=eu", "HEALTH_INTERVAL_MS=60000", "PROXY_TIMEOUT_MS=4000", "CONNECT_TIMEOUT_MS=1000",
                                "BREAKER_FAILURES=3", "BREAKER_COOLDOWN_MS=600000"});
  const auto before = c.edge().start(start_body("hang-0"));
  ASSERT_EQ(before.status, 201);
  const std::string eu_session = str_of(json_of(before), "gameId");
  ASSERT_EQ(str_of(json_of(before), "backendRegion"), "eu");

  // eu still accepts connections (the kernel does), but never answers.
  c.region("eu").process().signal(SIGSTOP);

  // Four starts routed to eu and an exit of eu's session, all at once.
  constexpr int starts = 4;
  std::vector<http_result> results(starts + 1);
  std::vector<std::thread> clients;
  for (int i = 0; i < starts; ++i) {
    clients.emplace_back([&, i] {
      http_connection conn(c.edge().port(), 30s);
      results[static_cast<std::size_t>(i)] = conn.request("POST", "/edge/game/start", start_body("hang-" + std::to_string(i + 1), "eu"));
    });
  }
  clients.emplace_back([&] {
    http_connection conn(c.edge().port(), 30s);
    results[starts] = conn.request("POST", "/edge/game/exit",
                                   json::serialize(json::object{{"gameId", eu_session}, {"userId", "hang-0"}, {"backendRegion", "eu"}}));
  });
  // Meanwhile the edge answers other requests, and shows the five waiting on eu.
  std::string inflight;
  const bool seen = eventually(
      [&] {
        inflight = c.edge().region_field("eu", "load");
        return inflight.find("\"inflight\":5") != std::string::npos;
      },
      3500ms, 20ms);
  for (auto& t : clients) t.join();
  EXPECT_TRUE(seen) << inflight;

  // Each ran into the timeout and was retried once on us.
  for (int i = 0; i < starts; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(str_of(json_of(r), "backendRegion"), "us");
    EXPECT_EQ(str_of(json_of(r), "retriedFrom"), "eu");
    EXPECT_EQ(str_of(json_of(r), "routedBy"), "preferredRegion");
  }
  const auto& e = results[starts];
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_EQ(str_of(json_of(e), "servedBy"), "us");
  EXPECT_EQ(str_of(json_of(e), "backendRegion"), "eu");
  EXPECT_EQ(str_of(json_of(e), "status"), "exited");

  // Five failures opened eu's breaker: it is out of rotation, and new
  // starts no longer wait for it (no retry: it was never tried).
  EXPECT_EQ(c.edge().region_field("eu", "breaker"), "open");
  EXPECT_EQ(c.edge().region_field("eu", "status"), "down");
  const auto direct = c.edge().start(start_body("hang-9", "eu"));
  ASSERT_EQ(direct.status, 201);
  EXPECT_EQ(str_of(json_of(direct), "backendRegion"), "us");
  EXPECT_EQ(str_of(json_of(direct), "routedBy"), "fallback");
  EXPECT_FALSE(json_of(direct).contains("retriedFrom"));
  const auto metrics = c.edge().call("GET", "/metrics");
  EXPECT_NE(metrics.body.find(R"(metronome_edge_proxied_total{region="eu",outcome="timeout"} 5)"), std::string::npos) << metrics.body;

  c.region("eu").process().signal(SIGCONT);
  EXPECT_EQ(c.edge().process().stop(), 0) << read_file(c.edge().log_path());
}

}  // namespace
}  // namespace metronome::test

// The edge's session cache (seed 000: "cache session metadata, TTL 30 s"):
// a start fills it, GET /edge/sessions/{id} answers from it until the TTL
// (an "active" entry only until SESSION_CACHE_ACTIVE_MS), then from the
// shared store; an exit through the edge drops the entry.
#include <gtest/gtest.h>

#include "edge_fixture.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

// Long enough that a loaded machine still reads the entry before it
// expires, short enough to wait out.
constexpr auto cache_ttl = std::chrono::milliseconds(2000);
const std::vector<std::string> cache_env = {"SESSION_CACHE_TTL_MS=" + std::to_string(cache_ttl.count()),
                                            "SESSION_CACHE_ACTIVE_MS=" + std::to_string(cache_ttl.count())};

TEST(edge_cache, a_start_is_served_from_the_cache_until_the_ttl_then_from_the_store) {
  edge_cluster c({"eu"}, cache_env);
  const auto sent = std::chrono::steady_clock::now();
  const auto s = c.edge().start(start_body("cache-1"));
  ASSERT_EQ(s.status, 201) << s.body;
  const auto started = json_of(s);
  const std::string id = str_of(started, "gameId");

  const auto hit = c.edge().call("GET", "/edge/sessions/" + id);
  ASSERT_EQ(hit.status, 200) << hit.body;
  // (On a machine so loaded that two requests took longer than the TTL, the
  // entry may rightly be gone already; the expiry checks below still hold.)
  if (std::chrono::steady_clock::now() - sent < cache_ttl) {
    EXPECT_EQ(hit.header("x-cache"), "hit");
    EXPECT_TRUE(json_of(hit).at("cached").as_bool());
  }
  const auto h = json_of(hit);
  EXPECT_EQ(str_of(h, "backendRegion"), "eu");
  for (const char* k : {"gameId", "seed", "startAt", "tickMs", "status", "rule", "mode", "user_id"}) {
    EXPECT_EQ(h.at(k), started.at(k)) << k;
  }

  // Expiry: the entry goes, never before the TTL (it was stored after the
  // start was sent), and the store's truth shows.
  http_result fresh;
  ASSERT_TRUE(eventually(
      [&] {
        fresh = c.edge().call("GET", "/edge/sessions/" + id);
        return fresh.header("x-cache") == "miss";
      },
      cache_ttl + 10s));
  EXPECT_GE(std::chrono::steady_clock::now() - sent, cache_ttl);
  const auto f = json_of(fresh);
  EXPECT_FALSE(f.at("cached").as_bool());
  EXPECT_EQ(str_of(f, "status"), "active");
  EXPECT_EQ(str_of(f, "backendRegion"), "eu");
  EXPECT_EQ(f.at("seed"), started.at("seed"));
}

// Issue 15: a stop on the region, behind the edge's back, is never reported
// as active by the edge once SESSION_CACHE_ACTIVE_MS has passed, however long
// the TTL. Every read sent after stop + bound must say "stopped".
TEST(edge_cache, a_stop_on_the_region_is_never_reported_active_after_the_bound) {
  constexpr auto bound = std::chrono::milliseconds(1000);
  edge_cluster c({"eu"}, {"SESSION_CACHE_TTL_MS=600000", "SESSION_CACHE_ACTIVE_MS=" + std::to_string(bound.count())});
  const auto s = c.edge().start(start_body("cache-stale"));
  ASSERT_EQ(s.status, 201) << s.body;
  const std::string id = str_of(json_of(s), "gameId");
  ASSERT_EQ(str_of(json_of(c.edge().call("GET", "/edge/sessions/" + id)), "status"), "active");

  ASSERT_EQ(c.region("eu").call("POST", "/v1/sessions/" + id + "/stop").status, 200);
  const auto stopped_at = std::chrono::steady_clock::now();
  int active_after_bound = 0;
  int reads = 0;
  std::string last;
  const bool seen_stopped = eventually(
      [&] {
        const auto sent = std::chrono::steady_clock::now();
        const auto r = c.edge().call("GET", "/edge/sessions/" + id);
        ++reads;
        last = r.status == 200 ? str_of(json_of(r), "status") : "HTTP " + std::to_string(r.status);
        if (last == "active" && sent - stopped_at > bound) ++active_after_bound;
        return last == "stopped";
      },
      bound + 10s, 20ms);
  EXPECT_TRUE(seen_stopped) << "last answer: " << last;
  EXPECT_EQ(active_after_bound, 0) << "of " << reads << " reads";
  // The end is final: from now on the cache may serve it for the whole TTL.
  const auto again = c.edge().call("GET", "/edge/sessions/" + id);
  EXPECT_EQ(str_of(json_of(again), "status"), "stopped");
  EXPECT_EQ(again.header("x-cache"), "hit");
}

TEST(edge_cache, a_miss_reads_the_shared_store_and_fills_the_cache) {
  edge_cluster c({"eu", "asia"}, cache_env);
  // Created on a region directly: the edge has never seen it.
  const auto created = c.region("asia").call("POST", "/game/start", R"({"userId":"cache-2"})");
  ASSERT_EQ(created.status, 201);
  const std::string id = str_of(json_of(created), "gameId");

  const auto miss = c.edge().call("GET", "/edge/sessions/" + id);
  ASSERT_EQ(miss.status, 200) << miss.body;
  EXPECT_EQ(miss.header("x-cache"), "miss");
  const auto m = json_of(miss);
  EXPECT_FALSE(m.at("cached").as_bool());
  EXPECT_EQ(str_of(m, "backendRegion"), "asia");
  EXPECT_EQ(str_of(m, "gameId"), id);
  EXPECT_EQ(str_of(m, "status"), "active");
  EXPECT_EQ(m.at("seed"), json_of(created).at("seed"));

  const auto hit = c.edge().call("GET", "/edge/sessions/" + id);
  EXPECT_EQ(hit.header("x-cache"), "hit");
  EXPECT_EQ(str_of(json_of(hit), "backendRegion"), "asia");

  // Unknown and impossible ids: 404 in the region node's error format.
  for (const std::string& bad : std::vector<std::string>{"00000000-0000-4000-8000-000000000000", "not%20an%20id", std::string(65, 'a')}) {
    const auto r = c.edge().call("GET", "/edge/sessions/" + bad);
    EXPECT_EQ(r.status, 404) << bad;
    EXPECT_TRUE(is_error_body(r, "not_found")) << bad << ": " << r.body;
  }
  const auto post = c.edge().call("POST", "/edge/sessions/" + id, "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("allow"), "GET, HEAD");  // HEAD is answered wherever GET is
}

TEST(edge_cache, an_exit_through_the_edge_drops_the_entry) {
  edge_cluster c({"eu"}, {"SESSION_CACHE_TTL_MS=600000", "SESSION_CACHE_ACTIVE_MS=600000"});
  const auto s = c.edge().start(start_body("cache-3"));
  ASSERT_EQ(s.status, 201);
  const std::string id = str_of(json_of(s), "gameId");
  ASSERT_EQ(c.edge().call("GET", "/edge/sessions/" + id).header("x-cache"), "hit");
  ASSERT_EQ(c.edge().exit(R"({"gameId":")" + id + R"(","userId":"cache-3"})").status, 200);
  // With a ten-minute TTL only the exit can have dropped it.
  const auto after = c.edge().call("GET", "/edge/sessions/" + id);
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.header("x-cache"), "miss");
  EXPECT_EQ(str_of(json_of(after), "status"), "exited");
}

}  // namespace
}  // namespace metronome::test

// `metronome edge` in front of three region processes (eu, us, asia) on one
// SQLite store: every rule that picks the region of a new session, in order
// (preferredRegion, x-user-region, geography, DEFAULT_REGION, fallback), and
// what the edge adds to the region's answer.
#include <gtest/gtest.h>

#include <set>

#include "edge_fixture.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

// DEFAULT_REGION=us so that "default" is told apart from the first region;
// FR is moved to us and BR to a region that does not exist.
const std::vector<std::string> selection_env = {"DEFAULT_REGION=us", "TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8",
                                                "COUNTRY_REGIONS=FR=us,BR=mars"};

struct routed {
  int status;
  std::string region, rule, country;
  json::object body;
};

routed start(const edge_process& edge, const std::string& user, const std::string& preferred = "", const header_list& headers = {}) {
  const auto r = edge.start(start_body(user, preferred), headers);
  routed out{r.status, "", "", "", {}};
  if (r.status == 201 || r.status == 200) {
    out.body = json_of(r);
    out.region = str_of(out.body, "backendRegion");
    out.rule = str_of(out.body, "routedBy");
    out.country = str_of(out.body, "country");
  } else {
    ADD_FAILURE() << "start for " << user << ": HTTP " << r.status << " " << r.body;
  }
  return out;
}

TEST(edge_selection, preferred_region_wins_over_every_other_hint) {
  edge_cluster c({"eu", "us", "asia"}, selection_env);
  const header_list every_hint = {{"x-user-region", "eu"}, {"cf-ipcountry", "US"}, {"X-Forwarded-For", "81.2.69.160"}};
  const auto s = start(c.edge(), "p1", "asia", every_hint);
  EXPECT_EQ(s.status, 201);
  EXPECT_EQ(s.region, "asia");
  EXPECT_EQ(s.rule, "preferredRegion");
  // The region really owns it: its own answer names it, and the store agrees.
  EXPECT_EQ(str_of(s.body, "region"), "asia");
  const auto stored = c.region("eu").call("GET", "/v1/sessions/" + str_of(s.body, "gameId"));
  ASSERT_EQ(stored.status, 200);
  EXPECT_EQ(str_of(json_of(stored), "region"), "asia");
  // The hint is not passed on (the region would refuse a foreign "region").
  EXPECT_FALSE(s.body.contains("preferredRegion"));

  // A preferred region the edge does not know falls through to the next rule.
  const auto unknown = start(c.edge(), "p2", "mars", {{"x-user-region", "eu"}});
  EXPECT_EQ(unknown.region, "eu");
  EXPECT_EQ(unknown.rule, "x-user-region");
  // preferredRegion of the wrong type is the client's error.
  const auto bad = c.edge().start(R"({"userId":"p3","preferredRegion":7})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(is_error_body(bad, "invalid_argument")) << bad.body;
}

TEST(edge_selection, x_user_region_header_wins_over_geography) {
  edge_cluster c({"eu", "us", "asia"}, selection_env);
  const auto s = start(c.edge(), "h1", "", {{"x-user-region", "asia"}, {"cf-ipcountry", "DE"}});
  EXPECT_EQ(s.region, "asia");
  EXPECT_EQ(s.rule, "x-user-region");
  // An unknown header value falls through to geography.
  const auto unknown = start(c.edge(), "h2", "", {{"x-user-region", "atlantis"}, {"cf-ipcountry", "DE"}});
  EXPECT_EQ(unknown.region, "eu");
  EXPECT_EQ(unknown.rule, "geo");
  EXPECT_EQ(unknown.country, "DE");
}

TEST(edge_selection, geography_from_cf_ipcountry_with_the_country_overrides) {
  edge_cluster c({"eu", "us", "asia"}, selection_env);
  struct expectation {
    const char* country;
    const char* region;
    const char* rule;
  };
  // JP, DE, BR: the built-in map; FR: COUNTRY_REGIONS moved it to us; BR:
  // moved to a region nobody serves, so the default; ZZ: unknown country.
  for (const auto& e : {expectation{"JP", "asia", "geo"}, expectation{"de", "eu", "geo"}, expectation{"CA", "us", "geo"},
                        expectation{"FR", "us", "geo"}, expectation{"BR", "us", "default"}, expectation{"ZZ", "us", "default"}}) {
    const auto s = start(c.edge(), std::string("g-") + e.country, "", {{"cf-ipcountry", e.country}});
    EXPECT_EQ(s.region, e.region) << e.country;
    EXPECT_EQ(s.rule, e.rule) << e.country;
    EXPECT_EQ(s.country, e.country) << e.country;
  }
}

TEST(edge_selection, geography_from_geoip_believes_x_forwarded_for_only_from_trusted_proxies) {
  // Debian's GeoIP database (2019): 133.242.0.3 is JP, 81.2.69.160 is GB.
  edge_cluster c({"eu", "us", "asia"}, selection_env);
  // The peer (127.0.0.1) is trusted, so the forwarded client address counts.
  const auto jp = start(c.edge(), "x1", "", {{"X-Forwarded-For", "133.242.0.3"}});
  EXPECT_EQ(jp.region, "asia");
  EXPECT_EQ(jp.rule, "geo");
  EXPECT_EQ(jp.country, "JP");
  // Through a trusted internal hop (10.0.0.0/8) as well.
  const auto hop = start(c.edge(), "x2", "", {{"X-Forwarded-For", "133.242.0.3, 10.1.2.3"}});
  EXPECT_EQ(hop.country, "JP");
  EXPECT_EQ(hop.region, "asia");
  // The right-most untrusted address is the client; what it claims to its
  // left (a spoofed JP address) is not believed.
  const auto spoof = start(c.edge(), "x3", "", {{"X-Forwarded-For", "133.242.0.3, 81.2.69.160"}});
  EXPECT_EQ(spoof.country, "GB");
  EXPECT_EQ(spoof.region, "eu");
  // cf-ipcountry "XX" (unknown to Cloudflare) falls back to the lookup;
  // a real code wins over it.
  const auto xx = start(c.edge(), "x4", "", {{"cf-ipcountry", "XX"}, {"X-Forwarded-For", "133.242.0.3"}});
  EXPECT_EQ(xx.country, "JP");
  const auto cf = start(c.edge(), "x5", "", {{"cf-ipcountry", "DE"}, {"X-Forwarded-For", "133.242.0.3"}});
  EXPECT_EQ(cf.country, "DE");
  EXPECT_EQ(cf.region, "eu");

  // An edge that trusts no proxy ignores X-Forwarded-For: the peer is
  // loopback, which has no country, so the default region.
  auto untrusting = c.another_edge({"DEFAULT_REGION=us"});
  for (const auto& name : {"eu", "us", "asia"}) ASSERT_TRUE(untrusting->wait_status(name, "up")) << name;
  const auto ignored = start(*untrusting, "x6", "", {{"X-Forwarded-For", "133.242.0.3"}});
  EXPECT_EQ(ignored.region, "us");
  EXPECT_EQ(ignored.rule, "default");
  EXPECT_EQ(ignored.country, "");
}

TEST(edge_selection, default_region_then_fallback_then_unavailable) {
  edge_cluster c({"eu", "us", "asia"}, selection_env);
  const auto d = start(c.edge(), "d1");
  EXPECT_EQ(d.region, "us");
  EXPECT_EQ(d.rule, "default");
  EXPECT_FALSE(d.body.contains("country"));

  // A default region that does not exist: any healthy region.
  auto no_default = c.another_edge({"DEFAULT_REGION=nowhere"});
  for (const auto& name : {"eu", "us", "asia"}) ASSERT_TRUE(no_default->wait_status(name, "up")) << name;
  const auto f = start(*no_default, "d2");
  EXPECT_EQ(f.rule, "fallback");
  EXPECT_TRUE(std::set<std::string>({"eu", "us", "asia"}).contains(f.region)) << f.region;

  // No healthy region at all: 503 in the region node's error format, and
  // the edge's own health says so.
  const std::uint16_t dead = free_port();
  edge_process lonely(temp_sqlite_store(), {"REGIONS=eu=http://127.0.0.1:" + std::to_string(dead)});
  ASSERT_TRUE(lonely.wait_status("eu", "down"));
  const auto none = lonely.start(start_body("d3"));
  EXPECT_EQ(none.status, 503);
  EXPECT_TRUE(is_error_body(none, "unavailable")) << none.body;
  const auto health = lonely.call("GET", "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(str_of(json_of(health), "status"), "degraded");
  EXPECT_EQ(c.edge().call("GET", "/healthz").status, 200);
}

TEST(edge_selection, seed_002_routes_and_a_users_running_session_stays_with_its_owner) {
  edge_cluster c({"eu", "us", "asia"}, selection_env);
  // Seed 002's shapes on the edge (its main server): user_id and region.
  const auto s = c.edge().call("POST", "/game/start", R"({"user_id": "user123", "region": "asia"})");
  ASSERT_EQ(s.status, 201) << s.body;
  const auto o = json_of(s);
  EXPECT_EQ(str_of(o, "region"), "asia");
  EXPECT_EQ(str_of(o, "backendRegion"), "asia");
  EXPECT_EQ(str_of(o, "routedBy"), "preferredRegion");
  EXPECT_EQ(str_of(o, "user_id"), "user123");
  EXPECT_EQ(str_of(o, "status"), "active");
  const std::string id = str_of(o, "session_id");
  ASSERT_FALSE(id.empty());

  // The same user starting again elsewhere gets the running session back
  // (one active session per user across regions), still owned by asia and
  // marked as served by the region that answered.
  const auto again = start(c.edge(), "user123", "eu");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(str_of(again.body, "gameId"), id);
  EXPECT_EQ(again.region, "asia");
  EXPECT_EQ(str_of(again.body, "servedBy"), "eu");
  EXPECT_TRUE(again.body.at("resumed").as_bool());

  const auto e = c.edge().call("POST", "/game/exit", R"({"session_id": ")" + id + R"("})");
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_EQ(str_of(json_of(e), "status"), "exited");
  EXPECT_EQ(str_of(json_of(e), "backendRegion"), "asia");
}

}  // namespace
}  // namespace metronome::test

// Routing by measurement (docs/protocol.md "Region selection"): the start's
// client-measured "rtt" and the regions' reported load, with real region
// processes behind the edge, and their place among the other rules: a
// region the caller names (preferredRegion, x-user-region) wins over both;
// rtt wins over geography and the default; load moves a start that
// geography or the default placed only when the difference reaches
// LOAD_THRESHOLD.
#include <gtest/gtest.h>
#include <signal.h>

#include "edge_fixture.hpp"
#include "ws_client.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

const std::vector<std::string> routing_env = {"DEFAULT_REGION=us", "LOAD_THRESHOLD=3"};
// Joined players that stay connected without reading: no kicks meanwhile.
const std::vector<std::string> quiet_regions = {"UNRESPONSIVE_MS=120000", "COUNTDOWN_MS=120000"};

struct routed {
  int status = 0;
  std::string region, rule;
  std::string body;
};

routed start(const edge_process& edge, const std::string& body, const header_list& headers = {}) {
  const auto r = edge.start(body, headers);
  routed out{r.status, "", "", r.body};
  if (r.status == 201 || r.status == 200) {
    const auto o = json_of(r);
    out.region = str_of(o, "backendRegion");
    out.rule = str_of(o, "routedBy");
  }
  return out;
}

std::string with_rtt(const std::string& user, const std::string& rtt, const std::string& extra = "") {
  return R"({"userId":")" + user + R"(","rtt":)" + rtt + extra + "}";
}

TEST(edge_routing, the_lowest_measured_rtt_wins_unless_the_caller_names_a_region) {
  edge_cluster c({"eu", "us", "asia"}, routing_env, quiet_regions);
  const std::string rtt = R"({"eu": 80, "us": 120.5, "asia": 31.5})";
  auto s = start(c.edge(), with_rtt("r1", rtt));
  EXPECT_EQ(s.status, 201) << s.body;
  EXPECT_EQ(s.region, "asia");
  EXPECT_EQ(s.rule, "rtt");
  // Over geography too.
  s = start(c.edge(), with_rtt("r2", rtt), {{"cf-ipcountry", "DE"}});
  EXPECT_EQ(s.region, "asia");
  EXPECT_EQ(s.rule, "rtt");
  // A named region keeps its priority.
  s = start(c.edge(), with_rtt("r3", rtt, R"(,"preferredRegion":"eu")"));
  EXPECT_EQ(s.region, "eu");
  EXPECT_EQ(s.rule, "preferredRegion");
  s = start(c.edge(), with_rtt("r4", rtt), {{"x-user-region", "us"}});
  EXPECT_EQ(s.region, "us");
  EXPECT_EQ(s.rule, "x-user-region");
  // Regions the edge does not know are ignored: with none left, the next rule.
  s = start(c.edge(), with_rtt("r5", R"({"mars": 1})"));
  EXPECT_EQ(s.region, "us");
  EXPECT_EQ(s.rule, "default");
  s = start(c.edge(), with_rtt("r6", R"({"mars": 1, "eu": 250})"));
  EXPECT_EQ(s.region, "eu");
  EXPECT_EQ(s.rule, "rtt");
  // A region that is down is not chosen, however fast the client found it.
  c.region("asia").process().signal(SIGKILL);
  ASSERT_TRUE(c.edge().wait_status("asia", "down"));
  s = start(c.edge(), with_rtt("r7", rtt));
  EXPECT_EQ(s.region, "eu");
  EXPECT_EQ(s.rule, "rtt");
}

TEST(edge_routing, bad_rtt_figures_are_the_clients_error) {
  edge_cluster c({"eu", "us"}, routing_env, quiet_regions);
  for (const std::string rtt :
       {R"([1, 2])", R"("fast")", R"({"eu": "fast"})", R"({"eu": -1})", R"({"mars": -5})", R"({"eu": null})", R"({"eu": true})"}) {
    const auto r = c.edge().start(with_rtt("bad", rtt));
    EXPECT_EQ(r.status, 400) << rtt << " " << r.body;
    EXPECT_TRUE(is_error_body(r, "invalid_argument")) << r.body;
  }
  // Absent or null: as before.
  EXPECT_EQ(start(c.edge(), with_rtt("ok", "null")).rule, "default");
  EXPECT_EQ(start(c.edge(), with_rtt("zero", R"({"eu": 0})")).rule, "rtt");
}

TEST(edge_routing, the_least_loaded_region_takes_a_start_when_load_differs_enough) {
  edge_cluster c({"eu", "us", "asia"}, routing_env, quiet_regions);
  // Four players on us (the default region).
  const auto created = c.region("us").call("POST", "/v1/sessions", "{}");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str_of(json_of(created), "id");
  std::vector<std::unique_ptr<ws_client>> players;
  for (int i = 0; i < 4; ++i) {
    players.push_back(std::make_unique<ws_client>(c.region("us").port()));
    players.back()->send_text(R"({"action":"join","sessionId":")" + id + R"(","userId":"load)" + std::to_string(i) + "\"}");
  }
  // The region reports its load in /healthz; the edge's probes carry it.
  const auto health = json_of(c.region("us").call("GET", "/healthz"));
  ASSERT_TRUE(health.contains("load")) << json::serialize(health);
  auto us_connections = [&] {
    const auto regions = c.edge().regions();
    const auto it = regions.find("us");
    if (it == regions.end()) return std::int64_t{-1};
    const auto& n = it->second.at("load").as_object().at("connections");
    return n.is_int64() ? n.as_int64() : std::int64_t{-1};
  };
  ASSERT_TRUE(eventually([&] { return us_connections() == 4; })) << us_connections();

  auto s = start(c.edge(), start_body("l1"));
  EXPECT_EQ(s.status, 201) << s.body;
  EXPECT_NE(s.region, "us");
  EXPECT_EQ(s.rule, "load");
  // Geography that names a lightly loaded region keeps it.
  s = start(c.edge(), start_body("l2"), {{"cf-ipcountry", "DE"}});
  EXPECT_EQ(s.region, "eu");
  EXPECT_EQ(s.rule, "geo");
  // Geography that names the loaded one gives way too.
  s = start(c.edge(), start_body("l3"), {{"cf-ipcountry", "CA"}});
  EXPECT_NE(s.region, "us");
  EXPECT_EQ(s.rule, "load");
  // The client's measurement and a named region win over load.
  s = start(c.edge(), with_rtt("l4", R"({"us": 5, "eu": 90})"));
  EXPECT_EQ(s.region, "us");
  EXPECT_EQ(s.rule, "rtt");
  s = start(c.edge(), start_body("l5", "us"));
  EXPECT_EQ(s.region, "us");
  EXPECT_EQ(s.rule, "preferredRegion");

  // A difference under the threshold changes nothing.
  auto tolerant = c.another_edge({"DEFAULT_REGION=us", "LOAD_THRESHOLD=10"});
  for (const auto& name : {"eu", "us", "asia"}) ASSERT_TRUE(tolerant->wait_status(name, "up")) << name;
  s = start(*tolerant, start_body("l6"));
  EXPECT_EQ(s.region, "us");
  EXPECT_EQ(s.rule, "default");
}

}  // namespace
}  // namespace metronome::test

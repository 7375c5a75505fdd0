// The operator console's API on the edge (src/edge/console_api.hpp), with
// real region and edge processes over one SQLite store: the admin check on
// every route, the session list and its filters, a session's players, a
// stop proxied to its region, and the metrics sources.
#include <gtest/gtest.h>

#include "edge_fixture.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

const std::string token = "console-test-admin-token-0123456789";
const header_list admin{{"Authorization", "Bearer " + token}};

const std::vector<std::pair<std::string, std::string>> routes = {{"GET", "/edge/admin/regions"},
                                                                 {"GET", "/edge/admin/sessions"},
                                                                 {"GET", "/edge/admin/sessions/abc"},
                                                                 {"POST", "/edge/admin/sessions/abc/stop"},
                                                                 {"GET", "/edge/admin/metrics"}};

std::vector<std::string> ids_of(const http_result& r) {
  std::vector<std::string> out;
  const auto body = json_of(r);
  for (const auto& s : body.at("sessions").as_array()) out.push_back(str_of(s.as_object(), "id"));
  return out;
}

TEST(edge_console, every_route_needs_the_admin_token) {
  edge_cluster c({"eu"}, {"ADMIN_TOKEN=" + token}, {"ADMIN_TOKEN=" + token});
  for (const auto& [method, path] : routes) {
    const auto none = c.edge().call(method, path);
    EXPECT_EQ(none.status, 401) << method << " " << path;
    EXPECT_TRUE(is_error_body(none, "unauthorized")) << none.body;
    EXPECT_NE(none.header("www-authenticate").find("Bearer"), std::string::npos);
    const auto wrong = c.edge().call(method, path, "", {{"Authorization", "Bearer " + token + "x"}});
    EXPECT_EQ(wrong.status, 401) << method << " " << path;
    const auto ok = c.edge().call(method, path, "", admin);
    EXPECT_NE(ok.status, 401) << method << " " << path << ": " << ok.body;
  }
}

TEST(edge_console, without_an_admin_token_the_console_is_off_and_says_how_to_turn_it_on) {
  edge_cluster c({"eu"});
  for (const auto& [method, path] : routes) {
    const auto r = c.edge().call(method, path, "", admin);
    EXPECT_EQ(r.status, 403) << method << " " << path;
    EXPECT_TRUE(is_error_body(r, "forbidden")) << r.body;
    EXPECT_NE(r.body.find("ADMIN_TOKEN"), std::string::npos) << r.body;
  }
}

TEST(edge_console, regions_show_what_api_regions_shows_and_heartbeat_ages) {
  edge_cluster c({"eu", "us"}, {"ADMIN_TOKEN=" + token}, {"ADMIN_TOKEN=" + token});
  const auto r = c.edge().call("GET", "/edge/admin/regions", "", admin);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = json_of(r);
  const auto& regions = body.at("regions").as_array();
  ASSERT_EQ(regions.size(), 2u);
  const auto public_view = c.edge().regions();
  for (const auto& v : regions) {
    const auto& o = v.as_object();
    const std::string name = str_of(o, "region");
    ASSERT_TRUE(public_view.contains(name));
    for (const auto& [k, value] : public_view.at(name)) {
      if (k != "rtt_ms" && k != "load" && k != "last_seen") {
        EXPECT_EQ(o.at(k), value) << name << " " << k;
      }
    }
    EXPECT_TRUE(o.contains("heartbeat_age_ms"));
    EXPECT_TRUE(o.contains("breaker"));
  }
  EXPECT_GT(body.at("now_ms").as_int64(), 0);
}

TEST(edge_console, lists_finds_shows_and_stops_a_session) {
  edge_cluster c({"eu", "us"}, {"ADMIN_TOKEN=" + token}, {"ADMIN_TOKEN=" + token});
  const auto a = c.edge().start(start_body("console-a", "us"));
  ASSERT_EQ(a.status, 201) << a.body;
  const auto b = c.edge().start(start_body("console-b", "eu"));
  ASSERT_EQ(b.status, 201) << b.body;
  const std::string id_a = str_of(json_of(a), "gameId"), id_b = str_of(json_of(b), "gameId");

  const auto all = c.edge().call("GET", "/edge/admin/sessions?limit=10", "", admin);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(ids_of(all), (std::vector<std::string>{id_b, id_a}));  // newest first
  EXPECT_EQ(ids_of(c.edge().call("GET", "/edge/admin/sessions?region=us", "", admin)), std::vector<std::string>{id_a});
  EXPECT_EQ(ids_of(c.edge().call("GET", "/edge/admin/sessions?userId=console-b", "", admin)), std::vector<std::string>{id_b});
  EXPECT_TRUE(ids_of(c.edge().call("GET", "/edge/admin/sessions?userId=console-b&region=us", "", admin)).empty());
  // Pages follow the cursor.
  const auto first = c.edge().call("GET", "/edge/admin/sessions?limit=1", "", admin);
  const std::string cursor = str_of(json_of(first), "next_cursor");
  ASSERT_FALSE(cursor.empty()) << first.body;
  EXPECT_EQ(ids_of(c.edge().call("GET", "/edge/admin/sessions?limit=1&cursor=" + cursor, "", admin)), std::vector<std::string>{id_a});

  const auto shown = c.edge().call("GET", "/edge/admin/sessions/" + id_a, "", admin);
  ASSERT_EQ(shown.status, 200) << shown.body;
  const auto detail = json_of(shown);
  const auto& session = detail.at("session").as_object();
  EXPECT_EQ(str_of(session, "region"), "us");
  EXPECT_EQ(str_of(session, "status"), "running");
  EXPECT_EQ(str_of(session, "user_id"), "console-a");
  EXPECT_TRUE(detail.at("players").is_array()) << shown.body;  // from us's /v1/sessions/{id}/players

  const auto stopped = c.edge().call("POST", "/edge/admin/sessions/" + id_a + "/stop", "", admin);
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_EQ(str_of(json_of(stopped), "status"), "stopped");  // the region's answer
  EXPECT_EQ(ids_of(c.edge().call("GET", "/edge/admin/sessions?status=stopped", "", admin)), std::vector<std::string>{id_a});
  EXPECT_EQ(ids_of(c.edge().call("GET", "/edge/admin/sessions?status=running", "", admin)), std::vector<std::string>{id_b});
  EXPECT_EQ(c.edge().call("GET", "/edge/admin/sessions/no-such-session", "", admin).status, 404);
  EXPECT_EQ(c.edge().call("POST", "/edge/admin/sessions/no-such-session/stop", "", admin).status, 404);
}

TEST(edge_console, bad_queries_are_400_with_a_json_error) {
  edge_cluster c({"eu"}, {"ADMIN_TOKEN=" + token}, {"ADMIN_TOKEN=" + token});
  for (const std::string q : {"limit=0", "limit=101", "limit=x", "status=paused", "cursor=garbage", "region=a%20b"}) {
    const auto r = c.edge().call("GET", "/edge/admin/sessions?" + q, "", admin);
    EXPECT_EQ(r.status, 400) << q << ": " << r.body;
    EXPECT_TRUE(is_error_body(r, "invalid_argument")) << q << ": " << r.body;
  }
  const auto bad_source = c.edge().call("GET", "/edge/admin/metrics?source=mars", "", admin);
  EXPECT_EQ(bad_source.status, 400);
  EXPECT_TRUE(is_error_body(bad_source, "invalid_argument")) << bad_source.body;
  EXPECT_EQ(c.edge().call("GET", "/edge/admin/metrics?source=region:mars", "", admin).status, 404);
  const auto no_world = c.edge().call("GET", "/edge/admin/metrics?source=world", "", admin);
  EXPECT_EQ(no_world.status, 404);
  EXPECT_NE(no_world.body.find("WORLD_URL"), std::string::npos) << no_world.body;
}

TEST(edge_console, metrics_come_from_the_edge_and_from_each_region) {
  edge_cluster c({"eu", "us"}, {"ADMIN_TOKEN=" + token}, {"ADMIN_TOKEN=" + token});
  ASSERT_EQ(c.edge().start(start_body("console-m", "eu")).status, 201);
  const auto edge = c.edge().call("GET", "/edge/admin/metrics?source=edge", "", admin);
  ASSERT_EQ(edge.status, 200);
  EXPECT_NE(edge.header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(edge.body.find("metronome_edge_proxy_duration_seconds_bucket{region=\"eu\""), std::string::npos) << edge.body;
  const auto eu = c.edge().call("GET", "/edge/admin/metrics?source=region:eu", "", admin);
  ASSERT_EQ(eu.status, 200);
  EXPECT_NE(eu.body.find("metronome_sessions_created_total"), std::string::npos) << eu.body;
  EXPECT_EQ(eu.body.find("metronome_edge_"), std::string::npos);  // the region's own, not the edge's
}

}  // namespace
}  // namespace metronome::test

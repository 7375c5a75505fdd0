// The region registry (seed 002's main server) on the edge: registration
// needs REGISTRY_TOKEN, regions register and heartbeat by themselves, a
// region whose heartbeats stop is taken out of rotation and comes back when
// they resume.
#include <gtest/gtest.h>

#include <signal.h>

#include "edge_fixture.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

const std::string token = "s3cret-registry-token";

std::string registration(const std::string& region, std::uint16_t port, const std::string& ws_url = "") {
  json::object o{{"region", region}, {"base_url", "http://127.0.0.1:" + std::to_string(port)}};
  if (!ws_url.empty()) o["ws_url"] = ws_url;
  return json::serialize(o);
}

TEST(edge_registry, seed_002_registration_example_works_with_the_token_and_is_refused_without_it) {
  edge_process edge(temp_sqlite_store(), {"REGISTRY_TOKEN=" + token});
  const std::string url = "http://localhost:" + std::to_string(edge.port()) + "/api/regions/register";
  // Seed 002's example as written (only the port substituted): refused.
  const auto refused = run_curl(
      {"-X", "POST", url, "-H", "Content-Type: application/json", "-d", R"({"region": "asia", "base_url": "http://localhost:8083"})"});
  EXPECT_EQ(refused.status, 401);
  EXPECT_TRUE(is_error_body(http_result{refused.status, {}, refused.body}, "unauthorized")) << refused.body;
  EXPECT_TRUE(edge.regions().empty());
  // A wrong token, an empty one, another scheme: refused too.
  for (const auto& header : {"Authorization: Bearer wrong", "Authorization: Bearer ", "X-Registry-Token: s3cret",
                             "Authorization: Basic czNjcmV0LXJlZ2lzdHJ5LXRva2Vu"}) {
    const auto r = run_curl({"-X", "POST", url, "-H", "Content-Type: application/json", "-H", header, "-d",
                             R"({"region": "asia", "base_url": "http://localhost:8083"})"});
    EXPECT_EQ(r.status, 401) << header;
  }
  const auto direct = edge.call("POST", "/api/regions/register", registration("asia", 8083));
  EXPECT_EQ(direct.header("www-authenticate"), "Bearer realm=\"metronome-registry\"");

  // The same example with the token: registered.
  const auto ok = run_curl({"-X", "POST", url, "-H", "Content-Type: application/json", "-H", "Authorization: Bearer " + token, "-d",
                            R"({"region": "asia", "base_url": "http://localhost:8083"})"});
  ASSERT_EQ(ok.status, 200) << ok.body;
  const auto o = json::parse(ok.body).as_object();
  EXPECT_EQ(str_of(o, "region"), "asia");
  EXPECT_EQ(str_of(o, "base_url"), "http://localhost:8083");
  EXPECT_EQ(str_of(o, "status"), "registered");
  EXPECT_FALSE(str_of(o, "registered_at").empty());
  auto listed = edge.regions();
  ASSERT_TRUE(listed.contains("asia"));
  EXPECT_EQ(str_of(listed["asia"], "source"), "registered");
  EXPECT_EQ(str_of(listed["asia"], "heartbeat"), "fresh");
  EXPECT_EQ(str_of(listed["asia"], "base_url"), "http://localhost:8083");
  // The other header form works as well.
  EXPECT_EQ(edge.call("POST", "/api/regions/register", registration("us", 8082), {{"X-Registry-Token", token}}).status, 200);
  EXPECT_TRUE(edge.regions().contains("us"));

  // With the token, a bad registration is the client's error.
  const header_list auth = {{"Authorization", "Bearer " + token}};
  for (const std::string& body : std::vector<std::string>{
           std::string(R"({"region":"Asia!","base_url":"http://127.0.0.1:1"})"), std::string(R"({"region":"asia","base_url":"ftp://x"})"),
           std::string(R"({"region":"asia","base_url":"http://127.0.0.1:1","ws_url":"http://x"})"), std::string(R"({"region":)"),
           std::string("[1]")}) {
    const auto r = edge.call("POST", "/api/regions/register", body, auth);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_TRUE(is_error_body(r, "invalid_argument")) << body << ": " << r.body;
  }
  EXPECT_EQ(edge.call("GET", "/api/regions/register").status, 405);

  // An edge without REGISTRY_TOKEN refuses every registration.
  edge_process closed(temp_sqlite_store());
  EXPECT_EQ(closed.call("POST", "/api/regions/register", registration("asia", 8083), {{"Authorization", "Bearer "}}).status, 401);
  EXPECT_EQ(closed.call("POST", "/api/regions/register", registration("asia", 8083), auth).status, 401);
}

TEST(edge_registry, regions_register_themselves_with_the_token_and_are_refused_without_it) {
  const std::string store = temp_sqlite_store();
  edge_process edge(store, {"REGISTRY_TOKEN=" + token});
  const std::string main_url = "MAIN_SERVER_URL=http://127.0.0.1:" + std::to_string(edge.port());
  region_process asia =
      exclusive_region(store, {main_url, "REGISTRY_TOKEN=" + token, "REGISTER_INTERVAL_SECONDS=1", "WS_URL=ws://127.0.0.1:9/ws"}, "asia");
  region_process us = exclusive_region(store, {main_url, "REGISTRY_TOKEN=wrong", "REGISTER_INTERVAL_SECONDS=1"}, "us");

  ASSERT_TRUE(edge.wait_status("asia", "up")) << read_file(edge.log_path());
  auto r = edge.regions().at("asia");
  EXPECT_EQ(str_of(r, "source"), "registered");
  EXPECT_EQ(str_of(r, "base_url"), "http://127.0.0.1:" + std::to_string(asia.port()));
  EXPECT_EQ(str_of(r, "ws_url"), "ws://127.0.0.1:9/ws");
  EXPECT_EQ(str_of(r, "heartbeat"), "fresh");
  EXPECT_TRUE(r.at("probe_ok").as_bool());
  EXPECT_EQ(str_of(r, "breaker"), "closed");

  // New sessions go there, and the client learns its WebSocket endpoint.
  const auto s = edge.start(start_body("reg-1", "asia"));
  ASSERT_EQ(s.status, 201) << s.body;
  EXPECT_EQ(str_of(json_of(s), "backendRegion"), "asia");
  EXPECT_EQ(str_of(json_of(s), "wsEndpoint"), "ws://127.0.0.1:9/ws");
  EXPECT_EQ(edge.regions().at("asia").at("load").as_object().at("proxied_total"), json::value(1));

  // The wrongly configured region is refused (it says so) and never listed.
  EXPECT_TRUE(eventually([&] { return read_file(us.log_path()).find("heartbeat refused") != std::string::npos; }));
  EXPECT_NE(read_file(us.log_path()).find("\"status\":401"), std::string::npos);
  EXPECT_FALSE(edge.regions().contains("us"));

  // Another edge on the same store learns the registry from it.
  edge_process second(store, {"REGISTRY_TOKEN=" + token});
  EXPECT_TRUE(second.wait_status("asia", "up"));
  EXPECT_FALSE(second.regions().contains("us"));
}

TEST(edge_registry, a_region_started_before_the_registry_joins_when_it_comes_up) {
  const std::string store = temp_sqlite_store();
  const std::uint16_t edge_port = free_port();
  region_process eu = exclusive_region(
      store, {"MAIN_SERVER_URL=http://127.0.0.1:" + std::to_string(edge_port), "REGISTRY_TOKEN=" + token, "REGISTER_INTERVAL_SECONDS=30"},
      "eu");
  // It tries, and fails: nothing listens yet.
  ASSERT_TRUE(eventually([&] { return read_file(eu.log_path()).find("heartbeat failed") != std::string::npos; }));
  // It retries every second, not every REGISTER_INTERVAL_SECONDS (30 s).
  edge_process edge(store, {"REGISTRY_TOKEN=" + token, "REGISTER_INTERVAL_SECONDS=30"}, edge_port);
  EXPECT_TRUE(edge.wait_status("eu", "up", 15s)) << read_file(eu.log_path());
  const auto s = edge.start(start_body("early-bird"));
  EXPECT_EQ(s.status, 201);
  EXPECT_EQ(str_of(json_of(s), "backendRegion"), "eu");
}

TEST(edge_registry, a_region_whose_heartbeats_stop_goes_down_and_comes_back_when_they_resume) {
  const std::string store = temp_sqlite_store();
  // REGISTER_INTERVAL_SECONDS=1: three missed heartbeats (3 s) and it is down.
  edge_process edge(store, {"REGISTRY_TOKEN=" + token, "DEFAULT_REGION=asia"});
  // A healthy region that does not heartbeat by itself: this test is its heartbeat.
  region_process asia = exclusive_region(store, {}, "asia");
  region_process eu = exclusive_region(store, {}, "eu");
  const header_list auth = {{"Authorization", "Bearer " + token}};
  auto beat = [&](const region_process& r, const std::string& name) {
    return edge.call("POST", "/api/regions/register", registration(name, r.port()), auth).status == 200;
  };
  ASSERT_TRUE(beat(asia, "asia"));
  ASSERT_TRUE(beat(eu, "eu"));
  ASSERT_TRUE(edge.wait_status("asia", "up"));

  // eu keeps beating, asia stops: asia goes down for its heartbeat alone
  // (its probes still pass), and new starts go elsewhere.
  ASSERT_TRUE(eventually(
      [&] {
        beat(eu, "eu");
        return edge.region_field("asia", "status") == "down";
      },
      20s, 300ms));
  auto listed = edge.regions();
  EXPECT_EQ(str_of(listed["asia"], "heartbeat"), "missed");
  EXPECT_TRUE(listed["asia"].at("probe_ok").as_bool());
  EXPECT_EQ(str_of(listed["eu"], "status"), "up");
  const auto elsewhere = edge.start(start_body("hb-1", "asia"));
  ASSERT_EQ(elsewhere.status, 201) << elsewhere.body;
  EXPECT_EQ(str_of(json_of(elsewhere), "backendRegion"), "eu");
  EXPECT_EQ(str_of(json_of(elsewhere), "routedBy"), "fallback");

  // One heartbeat and it is back.
  ASSERT_TRUE(beat(asia, "asia"));
  ASSERT_TRUE(edge.wait_status("asia", "up"));
  EXPECT_EQ(edge.region_field("asia", "heartbeat"), "fresh");
  const auto back = edge.start(start_body("hb-2"));
  EXPECT_EQ(str_of(json_of(back), "backendRegion"), "asia");
  EXPECT_EQ(str_of(json_of(back), "routedBy"), "default");
}

TEST(edge_registry, a_registered_region_killed_goes_down_and_returns_when_restarted) {
  const std::string store = temp_sqlite_store();
  edge_process edge(store, {"REGISTRY_TOKEN=" + token});
  region_process asia = exclusive_region(
      store, {"MAIN_SERVER_URL=http://127.0.0.1:" + std::to_string(edge.port()), "REGISTRY_TOKEN=" + token, "REGISTER_INTERVAL_SECONDS=1"},
      "asia");
  ASSERT_TRUE(edge.wait_status("asia", "up"));
  asia.process().signal(SIGKILL);
  ASSERT_EQ(asia.process().wait(5s), 128 + SIGKILL);
  ASSERT_TRUE(edge.wait_status("asia", "down"));
  EXPECT_EQ(edge.region_field("asia", "probe_ok"), "false");
  const auto none = edge.start(start_body("gone"));
  EXPECT_EQ(none.status, 503);
  EXPECT_TRUE(is_error_body(none, "unavailable")) << none.body;

  asia.restart();
  ASSERT_TRUE(edge.wait_status("asia", "up"));
  EXPECT_EQ(edge.region_field("asia", "heartbeat"), "fresh");
  const auto s = edge.start(start_body("returned"));
  EXPECT_EQ(s.status, 201);
  EXPECT_EQ(str_of(json_of(s), "backendRegion"), "asia");
}

}  // namespace
}  // namespace metronome::test

// Exit routing (seed 000): the region named in backendRegion, else the one
// the session cache remembers, else the owner recorded in the shared store.
#include <gtest/gtest.h>

#include "edge_fixture.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

std::string exit_body(const std::string& id, const std::string& user, const std::string& backend_region = "") {
  json::object o{{"gameId", id}, {"userId", user}};
  if (!backend_region.empty()) o["backendRegion"] = backend_region;
  return json::serialize(o);
}

TEST(edge_exit, goes_to_the_region_named_in_backend_region) {
  edge_cluster c({"eu", "us"});
  const auto s = c.edge().start(start_body("exit-1", "us"));
  ASSERT_EQ(s.status, 201);
  const std::string id = str_of(json_of(s), "gameId");
  const auto e = c.edge().exit(exit_body(id, "exit-1", "us"));
  ASSERT_EQ(e.status, 200) << e.body;
  const auto o = json_of(e);
  EXPECT_TRUE(o.at("ok").as_bool());
  EXPECT_EQ(str_of(o, "status"), "exited");
  EXPECT_EQ(str_of(o, "regionFrom"), "body");
  EXPECT_EQ(str_of(o, "servedBy"), "us");
  EXPECT_EQ(str_of(o, "backendRegion"), "us");
  EXPECT_FALSE(o.at("already_ended").as_bool());

  // A backendRegion the edge does not know is ignored: the cache decides.
  const auto s2 = c.edge().start(start_body("exit-2", "us"));
  ASSERT_EQ(s2.status, 201);
  const auto e2 = c.edge().exit(exit_body(str_of(json_of(s2), "gameId"), "exit-2", "mars"));
  ASSERT_EQ(e2.status, 200) << e2.body;
  EXPECT_EQ(str_of(json_of(e2), "regionFrom"), "cache");
  EXPECT_EQ(str_of(json_of(e2), "servedBy"), "us");
  // backendRegion of the wrong type is the client's error.
  const auto bad = c.edge().exit(R"({"gameId":")" + id + R"(","backendRegion":1})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(is_error_body(bad, "invalid_argument")) << bad.body;
}

TEST(edge_exit, without_backend_region_uses_the_cache_then_the_store) {
  edge_cluster c({"eu", "us", "asia"});
  // Started through the edge: the cache knows the owner.
  const auto s = c.edge().start(start_body("exit-3", "asia"));
  ASSERT_EQ(s.status, 201);
  const std::string cached_id = str_of(json_of(s), "gameId");
  const auto e = c.edge().exit(exit_body(cached_id, "exit-3"));
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_EQ(str_of(json_of(e), "regionFrom"), "cache");
  EXPECT_EQ(str_of(json_of(e), "servedBy"), "asia");
  EXPECT_EQ(str_of(json_of(e), "backendRegion"), "asia");

  // Started on a region directly: only the store knows the owner.
  const auto direct = c.region("us").call("POST", "/game/start", R"({"userId":"exit-4"})");
  ASSERT_EQ(direct.status, 201);
  const std::string stored_id = str_of(json_of(direct), "gameId");
  const auto e2 = c.edge().exit(exit_body(stored_id, "exit-4"));
  ASSERT_EQ(e2.status, 200) << e2.body;
  EXPECT_EQ(str_of(json_of(e2), "regionFrom"), "store");
  EXPECT_EQ(str_of(json_of(e2), "servedBy"), "us");
  EXPECT_EQ(str_of(json_of(e2), "backendRegion"), "us");
  // The store agrees it ended.
  EXPECT_EQ(str_of(json_of(c.region("eu").call("GET", "/v1/sessions/" + stored_id)), "status"), "exited");

  // Again: it is already over (the region says so; the edge passes it on).
  const auto twice = c.edge().exit(exit_body(stored_id, "exit-4"));
  ASSERT_EQ(twice.status, 200);
  EXPECT_TRUE(json_of(twice).at("already_ended").as_bool());

  // Another user's session: the region refuses, and the edge relays its
  // answer unchanged.
  const auto other = c.region("eu").call("POST", "/game/start", R"({"userId":"exit-5"})");
  const std::string other_id = str_of(json_of(other), "gameId");
  const auto direct_refusal = c.region("eu").call("POST", "/game/exit", exit_body(other_id, "intruder"));
  const auto refusal = c.edge().exit(exit_body(other_id, "intruder"));
  EXPECT_GE(refusal.status, 400);
  EXPECT_EQ(refusal.status, direct_refusal.status);
  EXPECT_EQ(json::parse(refusal.body), json::parse(direct_refusal.body));
  EXPECT_EQ(str_of(json_of(c.region("eu").call("GET", "/v1/sessions/" + other_id)), "status"), "running");

  // Unknown session: 404; no id: 400.
  const auto unknown = c.edge().exit(exit_body("00000000-0000-4000-8000-000000000000", "x"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(is_error_body(unknown, "not_found")) << unknown.body;
  const auto missing = c.edge().exit(R"({"userId":"x"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(is_error_body(missing, "invalid_argument")) << missing.body;
}

}  // namespace
}  // namespace metronome::test

// GET /edge/sessions/{id}/replay answers exactly what the owning region's
// GET /v1/sessions/{id}/replay answers: same query, status and body, for a
// session found in the cache or in the shared store, and for bad queries.
#include <gtest/gtest.h>

#include "edge_fixture.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

TEST(edge_replay, answers_what_the_owning_region_answers) {
  edge_cluster c({"eu", "us"});
  const auto s = c.edge().start(start_body("replay-1", "us"));
  ASSERT_EQ(s.status, 201) << s.body;
  const std::string id = str_of(json_of(s), "gameId");
  ASSERT_EQ(str_of(json_of(s), "backendRegion"), "us");

  for (const std::string query : {"?from=0&to=20", "?from=5&to=5&breaks_only=true", "?from=3&to=2", "?from=0", "?from=x&to=1", ""}) {
    const auto via_edge = c.edge().call("GET", "/edge/sessions/" + id + "/replay" + query);
    const auto direct = c.region("us").call("GET", "/v1/sessions/" + id + "/replay" + query);
    EXPECT_EQ(via_edge.status, direct.status) << query;
    EXPECT_EQ(via_edge.body, direct.body) << query;
    EXPECT_EQ(via_edge.header("content-type"), direct.header("content-type")) << query;
  }
  const auto ok = c.edge().call("GET", "/edge/sessions/" + id + "/replay?from=0&to=20");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json_of(ok).at("states").as_array().size(), 21u);
  EXPECT_EQ(c.edge().call("GET", "/edge/sessions/" + id + "/replay?from=3&to=2").status, 400);
}

TEST(edge_replay, a_session_unknown_to_the_cache_is_found_in_the_store) {
  edge_cluster c({"eu"});
  // Created on the region directly: the edge has never seen it.
  const auto created = c.region("eu").call("POST", "/v1/sessions", R"({"tick_ms":50})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str_of(json_of(created), "id");
  const auto via_edge = c.edge().call("GET", "/edge/sessions/" + id + "/replay?from=10&to=12");
  const auto direct = c.region("eu").call("GET", "/v1/sessions/" + id + "/replay?from=10&to=12");
  ASSERT_EQ(via_edge.status, 200) << via_edge.body;
  EXPECT_EQ(via_edge.body, direct.body);

  const auto missing = c.edge().call("GET", "/edge/sessions/00000000-0000-4000-8000-000000000000/replay?from=0&to=1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(is_error_body(missing, "not_found")) << missing.body;
  EXPECT_EQ(c.edge().call("POST", "/edge/sessions/" + id + "/replay?from=0&to=1").status, 405);
}

}  // namespace
}  // namespace metronome::test

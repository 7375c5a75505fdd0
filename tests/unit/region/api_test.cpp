// The region API without sockets: region_api::handle() against a real SQLite
// store in a temp dir, with a manual clock so time is exact.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>

#include "metronome/core/clock.hpp"
#include "metronome/engine/seed.hpp"
#include "metronome/engine/state.hpp"
#include "metronome/region/api.hpp"
#include "metronome/store/backends.hpp"
#include "process.hpp"

namespace metronome::region {
namespace {

namespace json = boost::json;

constexpr std::int64_t t0 = 1'733'850'000'000;

class api_test : public ::testing::Test {
 protected:
  explicit api_test(api_access access = {})
      : dir_(test::make_temp_dir("metronome-api-")),
        store_(std::move(*store::make_session_store("sqlite:" + dir_ + "/sessions.db"))),
        clock_(t0),
        service_(*store_, clock_, service_config{.region = "eu", .countdown_ms = 3000, .default_tick_ms = 100}, metrics_),
        api_(service_, metrics_, health_, std::move(access)) {}

  net::response call(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::string& content_type = "application/json", net::header_list headers = {}) {
    net::request req;
    req.headers = std::move(headers);
    req.remote_address = "203.0.113.7";
    req.method = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    if (!body.empty()) req.headers.emplace_back("content-type", content_type);
    req.body = body;
    req.request_id = "test-request";
    std::promise<net::response> p;
    auto f = p.get_future();
    api_.handle(std::move(req), [&p](net::response r) { p.set_value(std::move(r)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    return f.get();
  }

  static json::object body_of(const net::response& r) { return json::parse(r.body).as_object(); }

  static std::string error_code(const net::response& r) { return std::string(body_of(r).at("error").as_object().at("code").as_string()); }

  std::string dir_;
  std::unique_ptr<store::session_store> store_;
  manual_clock clock_;
  region_metrics metrics_;
  store_health health_;
  session_service service_;
  region_api api_;
};

TEST_F(api_test, create_returns_seed_004s_fields_and_the_session_can_be_read_back) {
  const auto created = call("POST", "/v1/sessions", R"({"tick_ms":100,"metadata":{"game_type":"counter"}})");
  ASSERT_EQ(created.status, 201u) << created.body;
  const auto s = body_of(created);
  EXPECT_EQ(s.at("status").as_string(), "running");
  EXPECT_EQ(s.at("tick_ms").as_int64(), 100);
  EXPECT_EQ(s.at("start_at_ms").as_int64(), t0 + 3000);
  EXPECT_EQ(s.at("start_at").as_string(), "2024-12-10T17:00:03.000Z");
  EXPECT_EQ(s.at("region").as_string(), "eu");
  EXPECT_EQ(s.at("metadata").as_object().at("game_type").as_string(), "counter");
  EXPECT_EQ(s.at("rule").as_object().at("name").as_string(), "rounds");
  const std::string id(s.at("id").as_string());
  // The session key is answered once, to its creator; no read shows it.
  auto without_key = s;
  ASSERT_EQ(without_key.at("session_key").as_string().size(), 64u);
  without_key.erase("session_key");

  const auto got = call("GET", "/v1/sessions/" + id);
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(body_of(got), without_key);
}

TEST_F(api_test, state_is_the_engines_state_at_server_time) {
  const auto s = body_of(call("POST", "/v1/sessions", R"({"tick_ms":50})"));
  const std::string id(s.at("id").as_string());
  auto st = body_of(call("GET", "/v1/sessions/" + id + "/state"));
  EXPECT_EQ(st.at("phase").as_string(), "countdown");
  EXPECT_EQ(st.at("remaining_ms").as_int64(), 3000);

  clock_.advance_ms(3000 + 50 * 1234 + 7);
  st = body_of(call("GET", "/v1/sessions/" + id + "/state"));
  const engine::session_params p{.seed = *engine::parse_seed(s.at("seed").as_string()), .start_at_ms = t0 + 3000, .tick_ms = 50};
  const engine::state expected = engine::state_at(p, clock_.now_ms());
  EXPECT_EQ(st.at("phase").as_string(), "running");
  EXPECT_EQ(st.at("step").as_int64(), 1234);
  EXPECT_EQ(st.at("value").as_int64(), expected.value);
  EXPECT_EQ(st.at("round").as_int64(), expected.round);
  EXPECT_EQ(st.at("broken").as_bool(), expected.broken);
  EXPECT_EQ(st.at("computed_at_ms").as_int64(), clock_.now_ms());
}

TEST_F(api_test, stop_is_idempotent_and_freezes_the_state) {
  const std::string id(body_of(call("POST", "/v1/sessions", "")).at("id").as_string());
  clock_.advance_ms(3000 + 100 * 500);
  auto stopped = call("POST", "/v1/sessions/" + id + "/stop");
  ASSERT_EQ(stopped.status, 200u) << stopped.body;
  EXPECT_EQ(body_of(stopped).at("status").as_string(), "stopped");
  EXPECT_FALSE(body_of(stopped).at("already_ended").as_bool());
  const auto ended_at = body_of(stopped).at("ended_at");

  clock_.advance_ms(100 * 1000);
  auto again = call("POST", "/v1/sessions/" + id + "/stop");
  ASSERT_EQ(again.status, 200u);
  EXPECT_TRUE(body_of(again).at("already_ended").as_bool());
  EXPECT_EQ(body_of(again).at("ended_at"), ended_at);
  EXPECT_EQ(body_of(call("GET", "/v1/sessions/" + id + "/state")).at("step").as_int64(), 500);
}

TEST_F(api_test, server_mode_withholds_the_seed_until_stop_then_reveals_a_matching_commitment) {
  const auto s = body_of(call("POST", "/v1/sessions", R"({"mode":"server","user_id":"u1"})"));
  EXPECT_TRUE(s.at("seed").is_null());
  EXPECT_FALSE(s.contains("salt"));
  const std::string commitment(s.at("commitment").as_object().at("value").as_string());
  const std::string id(s.at("id").as_string());
  EXPECT_TRUE(body_of(call("GET", "/v1/sessions/" + id)).at("seed").is_null());

  // The future is secret while it runs; the past is not.
  clock_.advance_ms(3000 + 100 * 10);
  EXPECT_EQ(call("GET", "/v1/sessions/" + id + "/replay?from=0&to=10").status, 200u);
  const auto future = call("GET", "/v1/sessions/" + id + "/replay?from=0&to=11");
  EXPECT_EQ(future.status, 403u);
  EXPECT_EQ(error_code(future), "forbidden");

  const auto stopped = body_of(call("POST", "/v1/sessions/" + id + "/stop", R"({"user_id":"u1"})"));
  const std::string seed(stopped.at("seed").as_string());
  const std::string salt(stopped.at("salt").as_string());
  EXPECT_EQ(session_service::commitment_for(std::stoull(seed), salt), commitment);
  EXPECT_EQ(call("GET", "/v1/sessions/" + id + "/replay?from=0&to=5000").status, 200u);
}

TEST_F(api_test, client_mode_has_no_commitment) {
  const auto s = body_of(call("POST", "/v1/sessions", "{}"));
  EXPECT_FALSE(s.at("seed").is_null());
  EXPECT_FALSE(s.contains("commitment"));
}

TEST_F(api_test, replay_lists_states_and_breaks_consistently) {
  const auto s = body_of(call("POST", "/v1/sessions", R"({"rule":{"name":"rounds","mean_interval":10,"jitter":3}})"));
  const std::string id(s.at("id").as_string());
  const auto all = body_of(call("GET", "/v1/sessions/" + id + "/replay?from=0&to=999")).at("states").as_array();
  const auto breaks = body_of(call("GET", "/v1/sessions/" + id + "/replay?from=0&to=999&breaks_only=true")).at("states").as_array();
  ASSERT_EQ(all.size(), 1000u);
  std::size_t n = 0;
  for (const auto& st : all) n += st.as_object().at("broken").as_bool();
  EXPECT_EQ(breaks.size(), n);
  EXPECT_GT(n, 90u);
  EXPECT_EQ(all[5].as_object().at("at_ms").as_int64(), t0 + 3000 + 500);
}

TEST_F(api_test, replay_refuses_bad_ranges) {
  const std::string id(body_of(call("POST", "/v1/sessions", "{}")).at("id").as_string());
  for (const char* q :
       {"?from=5", "?to=5", "?from=9&to=5", "?from=-1&to=5", "?from=a&to=5", "?from=0&to=100000", "?from=0&to=5&breaks_only=maybe"}) {
    const auto r = call("GET", "/v1/sessions/" + id + "/replay" + q);
    EXPECT_EQ(r.status, 400u) << q;
    EXPECT_EQ(error_code(r), "invalid_argument") << q;
  }
  EXPECT_EQ(call("GET", "/v1/sessions/" + id + "/replay?from=0&to=99999").status, 200u);
}

TEST_F(api_test, bad_create_bodies_get_400_with_a_reason) {
  const std::vector<std::string> bodies = {"{",
                                           "[1,2]",
                                           "\"text\"",
                                           R"({"tick_ms":"100"})",
                                           R"({"tick_ms":0})",
                                           R"({"tick_ms":60001})",
                                           R"({"tick_ms":1.5})",
                                           R"({"rule":"chaos"})",
                                           R"({"rule":{"name":"rounds","jitter":50}})",
                                           R"({"rule":{"mean_interval":5}})",
                                           R"({"rule":7})",
                                           R"({"metadata":[1]})",
                                           R"({"metadata":"x"})",
                                           R"({"user_id":5})",
                                           R"({"user_id":""})",
                                           R"({"mode":"peer"})",
                                           R"({"metadata":{"blob":")" + std::string(4100, 'x') + "\"}}",
                                           R"({"metadata":{"x":1e400}})"};
  for (const auto& body : bodies) {
    const auto r = call("POST", "/v1/sessions", body);
    EXPECT_EQ(r.status, 400u) << body.substr(0, 60);
    EXPECT_EQ(error_code(r), "invalid_argument") << body.substr(0, 60);
    EXPECT_FALSE(std::string(body_of(r).at("error").as_object().at("message").as_string()).empty());
  }
}

TEST_F(api_test, non_json_bodies_get_415_and_unknown_routes_404_and_wrong_methods_405) {
  EXPECT_EQ(call("POST", "/v1/sessions", "tick_ms=100", "application/x-www-form-urlencoded").status, 415u);
  EXPECT_EQ(call("POST", "/v1/sessions", "{}", "text/plain").status, 415u);
  EXPECT_EQ(call("POST", "/v1/sessions", "{}", "Application/JSON; charset=utf-8").status, 201u);
  EXPECT_EQ(call("GET", "/v2/sessions").status, 404u);
  EXPECT_EQ(call("GET", "/v1/sessions/00000000-0000-4000-8000-000000000000").status, 404u);
  EXPECT_EQ(call("GET", "/v1/sessions/not%20an%20id").status, 404u);
  const auto r = call("DELETE", "/v1/sessions/abc");
  EXPECT_EQ(r.status, 405u);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET, HEAD");
  EXPECT_EQ(call("GET", "/game/start").status, 405u);
  const auto put = call("PUT", "/v1/sessions");
  EXPECT_EQ(put.status, 405u);
  ASSERT_EQ(put.headers.size(), 1u);
  EXPECT_EQ(put.headers[0].second, "POST, GET, HEAD");
}

TEST_F(api_test, head_is_answered_as_get_without_a_body) {
  const auto created = body_of(call("POST", "/v1/sessions", "{}"));
  const std::string id(created.at("id").as_string());
  const auto get = call("GET", "/v1/sessions/" + id);
  const auto head = call("HEAD", "/v1/sessions/" + id);
  EXPECT_EQ(get.status, 200u);
  EXPECT_EQ(head.status, 200u);
  EXPECT_FALSE(get.body.empty());
  // The handler's answer keeps the GET's body, so that the connection sends
  // the GET's Content-Length; the connection drops the body itself
  // (tests/api/contract.test.mjs checks the wire).
  EXPECT_EQ(head.body, get.body);
  EXPECT_EQ(head.route, "/v1/sessions/{id}");
  const auto missing = call("HEAD", "/v1/sessions/00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(missing.status, 404u);
  const auto wrong = call("HEAD", "/game/start");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(wrong.headers.at(0).second, "POST");
}

TEST_F(api_test, list_pages_a_users_sessions_newest_first) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.emplace_back(body_of(call("POST", "/v1/sessions", R"({"user_id":"pager"})")).at("id").as_string());
    clock_.advance_ms(10);
  }
  call("POST", "/v1/sessions", R"({"user_id":"someone-else"})");
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    const auto r = body_of(call("GET", "/v1/sessions?user_id=pager&limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    for (const auto& s : r.at("sessions").as_array()) seen.emplace_back(s.as_object().at("id").as_string());
    if (r.at("next_cursor").is_null()) break;
    cursor = std::string(r.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
  EXPECT_EQ(call("GET", "/v1/sessions").status, 400u);
  EXPECT_EQ(call("GET", "/v1/sessions?user_id=pager&limit=0").status, 400u);
  EXPECT_EQ(call("GET", "/v1/sessions?user_id=pager&limit=101").status, 400u);
  EXPECT_EQ(call("GET", "/v1/sessions?user_id=pager&cursor=garbage").status, 400u);
}

TEST_F(api_test, game_start_accepts_both_documents_bodies_and_answers_with_both_field_sets) {
  const auto r000 = call("POST", "/game/start", R"({"userId":"user123"})");
  ASSERT_EQ(r000.status, 201u) << r000.body;
  const auto g = body_of(r000);
  for (const char* f : {"gameId", "seed", "startAt", "tickMs", "session_id", "user_id", "region", "started_at", "status"}) {
    EXPECT_TRUE(g.contains(f)) << f;
  }
  EXPECT_TRUE(g.at("seed").is_number());
  EXPECT_EQ(g.at("startAt").as_int64(), t0 + 3000);
  EXPECT_EQ(g.at("tickMs").as_int64(), 100);
  EXPECT_EQ(g.at("status").as_string(), "active");
  EXPECT_EQ(g.at("gameId"), g.at("session_id"));
  EXPECT_EQ(g.at("rule").as_object().at("name").as_string(), "lcg-counter");

  const auto r002 = call("POST", "/game/start", R"({"user_id":"user456","region":"eu"})");
  ASSERT_EQ(r002.status, 201u) << r002.body;
  EXPECT_EQ(body_of(r002).at("user_id").as_string(), "user456");
  EXPECT_EQ(call("POST", "/game/start", R"({"user_id":"user789","region":"us"})").status, 400u);
  EXPECT_EQ(call("POST", "/game/start", R"({})").status, 400u);
  // No body and no Content-Type: the route requires a JSON body (415);
  // an empty one declared as JSON is the handler's to refuse (400).
  EXPECT_EQ(call("POST", "/game/start", "").status, 415u);
  EXPECT_EQ(call("POST", "/game/start", " ", "application/json").status, 400u);
}

TEST_F(api_test, a_user_with_a_running_session_gets_it_back_instead_of_a_second_one) {
  const auto first = body_of(call("POST", "/game/start", R"({"userId":"solo"})"));
  const auto again = call("POST", "/game/start", R"({"userId":"solo"})");
  ASSERT_EQ(again.status, 200u);
  EXPECT_EQ(body_of(again).at("gameId"), first.at("gameId"));
  EXPECT_TRUE(body_of(again).at("resumed").as_bool());
  // After exiting, a start creates a new one.
  call("POST", "/game/exit", json::serialize(json::object{{"gameId", first.at("gameId")}, {"userId", "solo"}}));
  const auto fresh = call("POST", "/game/start", R"({"userId":"solo"})");
  ASSERT_EQ(fresh.status, 201u);
  EXPECT_NE(body_of(fresh).at("gameId"), first.at("gameId"));
}

TEST_F(api_test, exit_checks_the_owner_and_is_idempotent) {
  const std::string id(body_of(call("POST", "/game/start", R"({"userId":"owner"})")).at("gameId").as_string());
  const auto wrong = call("POST", "/game/exit", R"({"gameId":")" + id + R"(","userId":"intruder"})");
  EXPECT_EQ(wrong.status, 403u);
  EXPECT_EQ(error_code(wrong), "forbidden");
  EXPECT_EQ(call("POST", "/v1/sessions/" + id + "/stop", R"({"user_id":"intruder"})").status, 403u);

  clock_.advance_ms(5000);
  const auto ok = call("POST", "/game/exit", R"({"session_id":")" + id + R"("})");  // seed 002's shape
  ASSERT_EQ(ok.status, 200u) << ok.body;
  const auto e = body_of(ok);
  EXPECT_TRUE(e.at("ok").as_bool());
  EXPECT_EQ(e.at("status").as_string(), "exited");
  EXPECT_EQ(e.at("exited_at").as_string(), "2024-12-10T17:00:05.000Z");
  EXPECT_FALSE(e.at("already_ended").as_bool());
  const auto twice = body_of(call("POST", "/game/exit", R"({"gameId":")" + id + R"(","userId":"owner"})"));
  EXPECT_TRUE(twice.at("already_ended").as_bool());
  EXPECT_EQ(twice.at("exited_at"), e.at("exited_at"));
  EXPECT_EQ(call("POST", "/game/exit", R"({"gameId":"00000000-0000-4000-8000-000000000000"})").status, 404u);
  EXPECT_EQ(call("POST", "/game/exit", R"({"userId":"owner"})").status, 400u);
}

TEST_F(api_test, health_reports_degraded_with_503_when_the_store_is_down) {
  EXPECT_EQ(call("GET", "/healthz").status, 200u);
  EXPECT_EQ(body_of(call("GET", "/health")).at("status").as_string(), "ok");
  health_.record(false, "connection refused");
  const auto r = call("GET", "/healthz");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(body_of(r).at("status").as_string(), "degraded");
  EXPECT_EQ(body_of(r).at("store").as_object().at("error").as_string(), "connection refused");
}

TEST_F(api_test, error_bodies_stay_valid_json_whatever_bytes_the_path_has) {
  const auto r = call("GET", "/caf\xff");  // found by fuzz_http_request
  EXPECT_EQ(r.status, 404u);
  EXPECT_NO_THROW(json::parse(r.body)) << r.body;
}

TEST_F(api_test, invented_methods_do_not_create_metric_series) {
  for (const char* m : {"FOO", "BAR", "BAZ"}) {
    net::request req;
    req.method = m;
    const net::exchange_summary x{req, 404, "unmatched", std::chrono::microseconds(5), 10};
    api_.observe(x, false);
  }
  const std::string text = call("GET", "/metrics").body;
  EXPECT_NE(text.find(R"(metronome_http_requests_total{route="unmatched",method="other",status="404"} 3)"), std::string::npos) << text;
  EXPECT_EQ(text.find("FOO"), std::string::npos);
}

TEST_F(api_test, metrics_count_sessions_and_store_operations) {
  call("POST", "/v1/sessions", "{}");
  call("POST", "/v1/sessions", R"({"mode":"server"})");
  const std::string text = call("GET", "/metrics").body;
  EXPECT_NE(text.find("metronome_sessions_created_total{mode=\"client\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("metronome_sessions_created_total{mode=\"server\"} 1"), std::string::npos);
  EXPECT_NE(text.find("metronome_store_operation_duration_seconds_count{op=\"create\"} 2"), std::string::npos);
}

// --- AUTH_MODE=owner and the rate limits -------------------------------------

constexpr const char* admin_token = "admin-token-0123456789";

class owner_api_test : public api_test {
 protected:
  static api_access owner_access() {
    api_access a;
    a.auth = net::access_config{.mode = net::auth_mode::owner, .admin_token = admin_token};
    return a;
  }
  owner_api_test() : api_test(owner_access()) {}
  static net::header_list key_header(const json::object& created) {
    return {{"x-session-key", std::string(created.at("session_key").as_string())}};
  }
};

TEST_F(owner_api_test, a_stop_without_the_key_is_403_and_changes_nothing) {
  const auto created = body_of(call("POST", "/v1/sessions", R"({"mode":"server","user_id":"alice"})"));
  const std::string id(created.at("id").as_string());
  const auto wrong_key = json::object{{"session_key", std::string(64, '0')}};
  for (const auto& [body, headers] :
       std::vector<std::pair<std::string, net::header_list>>{{"", {}},
                                                             {json::serialize(wrong_key), {}},
                                                             {R"({"user_id":"alice"})", {}},
                                                             {"", {{"x-session-key", "short"}}},
                                                             {"", {{"authorization", "Bearer not-the-admin-token"}}}}) {
    const auto r = call("POST", "/v1/sessions/" + id + "/stop", body, "application/json", headers);
    EXPECT_EQ(r.status, 403u) << body;
    EXPECT_EQ(error_code(r), "forbidden");
    EXPECT_EQ(r.body.find("\"seed\""), std::string::npos) << "a refused stop reveals nothing";
  }
  const auto still = body_of(call("GET", "/v1/sessions/" + id));
  EXPECT_EQ(still.at("status").as_string(), "running");
  EXPECT_TRUE(still.at("seed").is_null());

  const auto stopped = call("POST", "/v1/sessions/" + id + "/stop", "", "application/json", key_header(created));
  ASSERT_EQ(stopped.status, 200u) << stopped.body;
  EXPECT_FALSE(body_of(stopped).at("seed").is_null());
  EXPECT_FALSE(body_of(stopped).contains("session_key"));
}

TEST_F(owner_api_test, the_key_in_the_body_or_the_admin_token_also_ends_a_session) {
  const auto a = body_of(call("POST", "/game/start", R"({"userId":"bob"})"));
  const json::object exit_a{{"gameId", a.at("gameId")}, {"session_key", a.at("session_key")}};
  EXPECT_EQ(call("POST", "/game/exit", json::serialize(exit_a)).status, 200u);
  const auto b = body_of(call("POST", "/v1/sessions", "{}"));
  const std::string id(b.at("id").as_string());
  EXPECT_EQ(call("POST", "/game/exit", R"({"session_id":")" + id + R"("})").status, 403u);
  EXPECT_EQ(call("POST", "/game/exit", R"({"session_id":")" + id + R"("})", "application/json",
                 {{"authorization", "bearer " + std::string(admin_token)}})
                .status,
            200u);
  // A resumed start does not hand out the key of the running session.
  const auto c = body_of(call("POST", "/game/start", R"({"userId":"carol"})"));
  ASSERT_TRUE(c.contains("session_key"));
  const auto resumed = body_of(call("POST", "/game/start", R"({"userId":"carol"})"));
  EXPECT_TRUE(resumed.at("resumed").as_bool());
  EXPECT_FALSE(resumed.contains("session_key"));
}

TEST_F(owner_api_test, listing_by_user_needs_the_admin_token) {
  call("POST", "/v1/sessions", R"({"user_id":"dave"})");
  const auto denied = call("GET", "/v1/sessions?user_id=dave");
  EXPECT_EQ(denied.status, 403u);
  EXPECT_EQ(error_code(denied), "forbidden");
  const auto listed =
      call("GET", "/v1/sessions?user_id=dave", "", "application/json", {{"authorization", "Bearer " + std::string(admin_token)}});
  ASSERT_EQ(listed.status, 200u);
  EXPECT_EQ(body_of(listed).at("sessions").as_array().size(), 1u);
}

TEST_F(api_test, open_mode_lets_anyone_with_the_id_end_a_session_as_the_seeds_do) {
  const auto created = body_of(call("POST", "/v1/sessions", "{}"));
  EXPECT_EQ(call("POST", "/v1/sessions/" + std::string(created.at("id").as_string()) + "/stop").status, 200u);
  EXPECT_EQ(call("GET", "/v1/sessions?user_id=anyone").status, 200u);
}

class limited_api_test : public api_test {
 protected:
  static api_access limited_access() {
    api_access a;
    a.rate_per_second = 1;
    a.rate_burst = 2;
    return a;
  }
  limited_api_test() : api_test(limited_access()) {}
};

TEST_F(limited_api_test, creates_and_ends_over_the_bucket_get_429_with_retry_after) {
  const auto a = body_of(call("POST", "/v1/sessions", "{}"));
  ASSERT_TRUE(a.contains("id"));
  EXPECT_EQ(call("POST", "/game/start", R"({"userId":"erin"})").status, 201u);
  const auto limited = call("POST", "/v1/sessions/" + std::string(a.at("id").as_string()) + "/stop");
  ASSERT_EQ(limited.status, 429u);
  EXPECT_EQ(error_code(limited), "too_many_requests");
  ASSERT_EQ(limited.headers.size(), 1u);
  EXPECT_EQ(limited.headers[0], (std::pair<std::string, std::string>{"Retry-After", "1"}));
  EXPECT_EQ(body_of(call("GET", "/v1/sessions/" + std::string(a.at("id").as_string()))).at("status").as_string(), "running");
  // Reads are never limited; a second later one more token is there.
  EXPECT_EQ(call("GET", "/healthz").status, 200u);
  clock_.advance_ms(1000);
  EXPECT_EQ(call("POST", "/v1/sessions/" + std::string(a.at("id").as_string()) + "/stop").status, 200u);
}

}  // namespace
}  // namespace metronome::region

// The edge's region choice, forwarding and retry logic without sockets or
// sleeps: edge_api::handle() against a scripted fake upstream, in-memory
// stores and a manual clock. Every fake answers synchronously, so each call
// completes before handle() returns.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <deque>
#include <map>
#include <optional>

#include "metronome/core/clock.hpp"
#include "metronome/edge/edge_api.hpp"

namespace metronome::edge {
namespace {

namespace json = boost::json;

constexpr std::int64_t t0 = 1'733'850'000'000;

/// Regions by port: each port answers from its own queue of scripted
/// results, or 503 when its queue is empty. Every request is recorded.
class fake_upstream final : public upstream {
 public:
  void request(net::client_request req, net::client_callback done) override {
    sent.push_back(req);
    auto& q = scripts_[req.port];
    if (q.empty()) {
      net::client_response unscripted;
      unscripted.status = 503;
      unscripted.body = R"({"error":{"code":"unavailable","message":"unscripted"}})";
      return done(std::move(unscripted));
    }
    auto r = std::move(q.front());
    q.pop_front();
    done(std::move(r));
  }
  void answer(std::uint16_t port, unsigned status, std::string body) {
    net::client_response r;
    r.status = status;
    r.headers = {{"content-type", "application/json"}};
    r.body = std::move(body);
    scripts_[port].push_back(std::move(r));
  }
  void fail(std::uint16_t port, errc code) { scripts_[port].push_back(make_error(code, "scripted failure")); }

  std::vector<net::client_request> sent;

 private:
  std::map<std::uint16_t, std::deque<result<net::client_response>>> scripts_;
};

class fake_sessions final : public store::session_store {
 public:
  void create(store::session_record, store::create_options, store::callback<store::create_outcome> done) override {
    done(make_error(errc::internal, "the edge never creates"));
  }
  void get(std::string id, store::callback<store::session_record> done) override {
    ++gets;
    const auto it = records.find(id);
    if (it == records.end()) return done(make_error(errc::not_found, "no session " + id));
    done(it->second);
  }
  void end(store::end_request, store::callback<store::end_outcome> done) override {
    done(make_error(errc::internal, "the edge never ends"));
  }
  void move_region(store::region_move m, store::callback<store::session_record> done) override {
    const auto it = records.find(m.id);
    if (it == records.end()) return done(make_error(errc::not_found, "no session " + m.id));
    if (it->second.ended() || it->second.region != m.from) return done(make_error(errc::conflict, "moved or ended"));
    it->second.region = m.to;
    done(it->second);
  }
  void list_by_user(store::page_request, store::callback<store::page> done) override { done(store::page{}); }
  void ping(store::callback<void> done) override { done(result<void>{}); }
  std::string_view kind() const noexcept override { return "fake"; }

  std::map<std::string, store::session_record> records;
  int gets = 0;
};

class fake_registry final : public store::registry_store {
 public:
  void upsert_region(store::region_record record, store::callback<store::region_record> done) override { done(std::move(record)); }
  void list_regions(store::callback<std::vector<store::region_record>> done) override { done(std::vector<store::region_record>{}); }
};

constexpr std::uint16_t eu_port = 9001, us_port = 9002, asia_port = 9003;
const std::string session_id = "0b6c2f4e-9a1d-4c3b-8e7f-112233445566";

std::string game_answer(const std::string& region, const std::string& id = session_id) {
  return json::serialize(json::object{{"gameId", id},
                                      {"seed", 42},
                                      {"startAt", t0 + 3000},
                                      {"tickMs", 100},
                                      {"status", "active"},
                                      {"region", region},
                                      {"user_id", "alice"},
                                      {"mode", "client"}});
}

class edge_api_test : public ::testing::Test {
 protected:
  static edge_settings settings() {
    edge_settings s;
    s.default_region = "eu";
    s.registry_token = "t0ken";
    return s;
  }

  explicit edge_api_test(edge_settings s = settings())
      : directory_(breaker_settings{.failures_to_open = 3, .cooldown_ms = 10'000}, 30'000),
        cache_(100, 30'000, 30'000),
        clock_(t0),
        countries_(*country_map::with_overrides("")),
        geoip_("/nonexistent/GeoIP.dat"),
        trusted_(*address_set::parse("")),
        api_(std::move(s), directory_, cache_, sessions_, registry_, upstream_, clock_, countries_, geoip_, trusted_, metrics_) {
    EXPECT_TRUE(directory_.add_static("eu", "http://127.0.0.1:" + std::to_string(eu_port)));
    EXPECT_TRUE(directory_.add_static("us", "http://127.0.0.1:" + std::to_string(us_port)));
    EXPECT_TRUE(directory_.add_static("asia", "http://127.0.0.1:" + std::to_string(asia_port)));
    // Lowest round-trip time first among healthy regions: eu, us, asia.
    directory_.record_probe("eu", true, 1.0);
    directory_.record_probe("us", true, 2.0);
    directory_.record_probe("asia", true, 3.0);
  }

  net::response call(const std::string& method, const std::string& target, const std::string& body = "",
                     net::header_list headers = {{"content-type", "application/json"}}) {
    net::request req;
    req.method = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.headers = std::move(headers);
    req.body = body;
    req.remote_address = "203.0.113.7";
    req.request_id = "req-1";
    std::optional<net::response> out;
    api_.handle(std::move(req), [&out](net::response r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value()) << "the fakes answer synchronously, so the reply must be in";
    if (!out) {
      net::response none;
      none.status = 0;
      return none;
    }
    return std::move(*out);
  }

  static json::object body_of(const net::response& r) { return json::parse(r.body).as_object(); }
  static std::string str(const json::object& o, const char* k) {
    const json::value* v = o.if_contains(k);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  void down(const std::string& region) { directory_.record_probe(region, false, 0); }

  region_directory directory_;
  session_cache cache_;
  fake_sessions sessions_;
  fake_registry registry_;
  fake_upstream upstream_;
  manual_clock clock_;
  country_map countries_;
  geoip_lookup geoip_;
  address_set trusted_;
  edge_metrics metrics_;
  edge_api api_;
};

// --- Region choice -----------------------------------------------------------

net::request with_headers(net::header_list h) {
  net::request r;
  r.headers = std::move(h);
  r.remote_address = "203.0.113.7";
  return r;
}

TEST_F(edge_api_test, choice_follows_the_rules_in_order) {
  auto c = api_.choose_region(with_headers({{"x-user-region", "us"}, {"cf-ipcountry", "JP"}}), "asia");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->region.name, "asia");
  EXPECT_EQ(c->rule, "preferredRegion");
  c = api_.choose_region(with_headers({{"x-user-region", "us"}, {"cf-ipcountry", "JP"}}), "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rule, "x-user-region");
  EXPECT_EQ(c->region.name, "us");
  c = api_.choose_region(with_headers({{"cf-ipcountry", "JP"}}), "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rule, "geo");
  EXPECT_EQ(c->region.name, "asia");
  EXPECT_EQ(c->country, "JP");
  c = api_.choose_region(with_headers({}), "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rule, "default");
  EXPECT_EQ(c->region.name, "eu");
}

TEST_F(edge_api_test, choice_skips_unhealthy_regions_and_falls_back_to_the_fastest) {
  down("asia");
  auto c = api_.choose_region(with_headers({{"cf-ipcountry", "JP"}}), "asia");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rule, "default");
  EXPECT_EQ(c->region.name, "eu");
  down("eu");
  c = api_.choose_region(with_headers({{"cf-ipcountry", "DE"}}), "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rule, "fallback");
  EXPECT_EQ(c->region.name, "us");
  down("us");
  c = api_.choose_region(with_headers({}), "");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, errc::unavailable);
}

TEST_F(edge_api_test, an_unknown_country_or_region_header_is_ignored) {
  auto c = api_.choose_region(with_headers({{"x-user-region", "mars"}, {"cf-ipcountry", "XX"}}), "nowhere");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rule, "default");
}

// --- Forwarding -------------------------------------------------------------

TEST_F(edge_api_test, start_forwards_without_routing_hints_and_reports_the_route) {
  upstream_.answer(us_port, 201, game_answer("us"));
  const auto r = call("POST", "/edge/game/start", R"({"userId":"alice","preferredRegion":"us","region":"x"})",
                      {{"content-type", "application/json"}, {"x-forwarded-for", "198.51.100.1"}});
  ASSERT_EQ(r.status, 201u) << r.body;
  ASSERT_EQ(upstream_.sent.size(), 1u);
  const auto& sent = upstream_.sent[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/game/start");
  EXPECT_EQ(sent.port, us_port);
  EXPECT_EQ(json::parse(sent.body).as_object(), (json::object{{"userId", "alice"}}));
  auto header = [&](std::string_view name) {
    for (const auto& [k, v] : sent.headers) {
      if (k == name) return v;
    }
    return std::string();
  };
  EXPECT_EQ(header("X-Request-Id"), "req-1");
  // The client is not a trusted proxy: its own X-Forwarded-For is not
  // passed on (it would choose its address at the region), only its address.
  EXPECT_EQ(header("X-Forwarded-For"), "203.0.113.7");
  const auto o = body_of(r);
  EXPECT_EQ(str(o, "backendRegion"), "us");
  EXPECT_EQ(str(o, "routedBy"), "preferredRegion");
  EXPECT_FALSE(o.contains("retriedFrom"));
  // The answer is cached for GET /edge/sessions/{id}: no store read.
  const auto cached = call("GET", "/edge/sessions/" + session_id);
  EXPECT_EQ(cached.status, 200u);
  EXPECT_EQ(sessions_.gets, 0);
  EXPECT_EQ(str(body_of(cached), "backendRegion"), "us");
}

TEST_F(edge_api_test, a_session_owned_elsewhere_reports_its_owner) {
  upstream_.answer(eu_port, 200, game_answer("asia"));
  const auto o = body_of(call("POST", "/edge/game/start", R"({"userId":"alice"})"));
  EXPECT_EQ(str(o, "backendRegion"), "asia");
  EXPECT_EQ(str(o, "servedBy"), "eu");
}

// --- Retry ------------------------------------------------------------------

TEST_F(edge_api_test, a_failed_start_is_retried_once_on_the_next_healthy_region) {
  upstream_.answer(eu_port, 503, R"({"error":{"code":"unavailable","message":"store down"}})");
  upstream_.answer(us_port, 201, game_answer("us"));
  const auto r = call("POST", "/edge/game/start", R"({"userId":"alice"})");
  ASSERT_EQ(r.status, 201u) << r.body;
  ASSERT_EQ(upstream_.sent.size(), 2u);
  EXPECT_EQ(upstream_.sent[0].port, eu_port);
  EXPECT_EQ(upstream_.sent[1].port, us_port);
  EXPECT_EQ(upstream_.sent[1].body, upstream_.sent[0].body);
  const auto o = body_of(r);
  EXPECT_EQ(str(o, "retriedFrom"), "eu");
  EXPECT_EQ(str(o, "backendRegion"), "us");
}

TEST_F(edge_api_test, a_client_error_is_not_retried) {
  upstream_.answer(eu_port, 400, R"({"error":{"code":"invalid_argument","message":"bad rule"}})");
  const auto r = call("POST", "/edge/game/start", R"({"userId":"alice"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(upstream_.sent.size(), 1u);
  EXPECT_EQ(str(body_of(r).at("error").as_object(), "code"), "invalid_argument");
}

TEST_F(edge_api_test, two_undelivered_starts_give_503_and_stop_there) {
  upstream_.fail(eu_port, errc::unavailable);
  upstream_.fail(us_port, errc::timeout);
  const auto r = call("POST", "/edge/game/start", R"({"userId":"alice"})");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(upstream_.sent.size(), 2u);  // one retry, never a third region
  EXPECT_EQ(str(body_of(r).at("error").as_object(), "code"), "unavailable");
}

TEST_F(edge_api_test, the_only_healthy_region_failing_passes_its_answer_through) {
  down("us");
  down("asia");
  upstream_.answer(eu_port, 503, R"({"error":{"code":"unavailable","message":"store down"}})");
  const auto r = call("POST", "/edge/game/start", R"({"userId":"alice"})");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(upstream_.sent.size(), 1u);
  EXPECT_EQ(str(body_of(r).at("error").as_object(), "message"), "store down");
}

TEST_F(edge_api_test, failures_open_the_breaker_and_a_trial_after_the_cooldown_closes_it) {
  for (int i = 0; i < 3; ++i) {
    upstream_.fail(eu_port, errc::unavailable);
    upstream_.answer(us_port, 201, game_answer("us"));
    EXPECT_EQ(call("POST", "/edge/game/start", R"({"userId":"alice"})").status, 201u);
  }
  EXPECT_EQ(directory_.find("eu", clock_.now_ms())->breaker, "open");
  upstream_.sent.clear();
  upstream_.answer(us_port, 201, game_answer("us"));
  EXPECT_EQ(str(body_of(call("POST", "/edge/game/start", R"({"userId":"alice"})")), "routedBy"), "fallback");
  EXPECT_EQ(upstream_.sent.at(0).port, us_port);  // eu skipped while open

  clock_.advance_ms(10'000);
  EXPECT_EQ(directory_.find("eu", clock_.now_ms())->breaker, "half-open");
  upstream_.sent.clear();
  upstream_.answer(eu_port, 201, game_answer("eu"));
  EXPECT_EQ(str(body_of(call("POST", "/edge/game/start", R"({"userId":"alice"})")), "backendRegion"), "eu");
  EXPECT_EQ(upstream_.sent.at(0).port, eu_port);
  EXPECT_EQ(directory_.find("eu", clock_.now_ms())->breaker, "closed");
}

// --- Exit -------------------------------------------------------------------

TEST_F(edge_api_test, exit_goes_to_the_owner_found_in_the_store_then_drops_the_cache_entry) {
  store::session_record rec;
  rec.id = session_id;
  rec.region = "asia";
  rec.user_id = "alice";
  sessions_.records[session_id] = rec;
  upstream_.answer(asia_port, 200, R"({"gameId":")" + session_id + R"(","status":"exited"})");
  const auto r = call("POST", "/edge/game/exit", R"({"gameId":")" + session_id + R"(","userId":"alice"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(upstream_.sent.size(), 1u);
  EXPECT_EQ(upstream_.sent[0].port, asia_port);
  const auto o = body_of(r);
  EXPECT_EQ(str(o, "backendRegion"), "asia");
  EXPECT_EQ(str(o, "regionFrom"), "store");
}

TEST_F(edge_api_test, exit_of_an_unknown_session_is_404_without_a_proxy) {
  const auto r = call("POST", "/edge/game/exit", R"({"gameId":")" + session_id + R"("})");
  EXPECT_EQ(r.status, 404u);
  EXPECT_TRUE(upstream_.sent.empty());
}

TEST_F(edge_api_test, exit_retries_on_another_region_when_the_owner_fails) {
  store::session_record rec;
  rec.id = session_id;
  rec.region = "asia";
  sessions_.records[session_id] = rec;
  upstream_.fail(asia_port, errc::unavailable);
  upstream_.answer(eu_port, 200, R"({"status":"exited"})");
  const auto r = call("POST", "/edge/game/exit", R"({"gameId":")" + session_id + R"("})");
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(upstream_.sent.size(), 2u);
  EXPECT_EQ(upstream_.sent[1].port, eu_port);
  EXPECT_EQ(str(body_of(r), "servedBy"), "eu");
  EXPECT_EQ(str(body_of(r), "backendRegion"), "asia");
}

// --- Replay -----------------------------------------------------------------

TEST_F(edge_api_test, replay_is_proxied_to_the_owner_with_its_query_and_answered_as_it_answers) {
  store::session_record rec;
  rec.id = session_id;
  rec.region = "us";
  sessions_.records[session_id] = rec;
  const std::string region_body = R"({"id":")" + session_id + R"(","from":3,"to":4,"breaks_only":false,"states":[]})";
  upstream_.answer(us_port, 200, region_body);
  upstream_.answer(us_port, 400, R"({"error":{"code":"invalid_argument","message":"from must not be greater than to"}})");
  const auto r = call("GET", "/edge/sessions/" + session_id + "/replay?from=3&to=4", "", {});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, region_body);
  EXPECT_EQ(r.route, "/edge/sessions/{id}/replay");
  ASSERT_EQ(upstream_.sent.size(), 1u);
  EXPECT_EQ(upstream_.sent[0].method, "GET");
  EXPECT_EQ(upstream_.sent[0].target, "/v1/sessions/" + session_id + "/replay?from=3&to=4");
  EXPECT_TRUE(upstream_.sent[0].body.empty());
  // The region's errors come back as the region wrote them.
  const auto bad = call("GET", "/edge/sessions/" + session_id + "/replay?from=9&to=4", "", {});
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(str(body_of(bad).at("error").as_object(), "message"), "from must not be greater than to");
}

TEST_F(edge_api_test, replay_of_an_unknown_or_malformed_id_is_404_without_a_proxy) {
  EXPECT_EQ(call("GET", "/edge/sessions/" + session_id + "/replay?from=0&to=1", "", {}).status, 404u);
  EXPECT_EQ(call("GET", "/edge/sessions/no%20such/replay?from=0&to=1", "", {}).status, 404u);
  EXPECT_TRUE(upstream_.sent.empty());
}

TEST_F(edge_api_test, replay_uses_another_region_when_the_owner_is_down) {
  store::session_record rec;
  rec.id = session_id;
  rec.region = "asia";
  sessions_.records[session_id] = rec;
  down("asia");
  upstream_.answer(eu_port, 200, R"({"states":[]})");
  EXPECT_EQ(call("GET", "/edge/sessions/" + session_id + "/replay?from=0&to=0", "", {}).status, 200u);
  ASSERT_EQ(upstream_.sent.size(), 1u);
  EXPECT_EQ(upstream_.sent[0].port, eu_port);
}

// --- HTTP rules from the router -----------------------------------------------

TEST_F(edge_api_test, wrong_methods_get_405_with_allow_and_head_gets_no_body) {
  const auto r = call("DELETE", "/edge/sessions/" + session_id, "", {});
  EXPECT_EQ(r.status, 405u);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, HEAD"}));
  const auto head = call("HEAD", "/edge/time", "", {});
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.body.empty(), false);  // dropped by the connection, after its length is written
  const auto get_start = call("GET", "/edge/game/start", "", {});
  EXPECT_EQ(get_start.status, 405u);
  EXPECT_EQ(get_start.headers.at(0).second, "POST");
}

TEST_F(edge_api_test, a_body_not_declared_as_json_gets_415) {
  EXPECT_EQ(call("POST", "/edge/game/start", R"({"userId":"a"})", {{"content-type", "text/plain"}}).status, 415u);
  EXPECT_EQ(call("POST", "/game/exit", R"({"gameId":"a"})", {}).status, 415u);
  EXPECT_EQ(call("POST", "/api/regions/register", R"({"region":"a"})", {{"content-type", "text/plain"}}).status, 415u);
  EXPECT_TRUE(upstream_.sent.empty());
}

TEST_F(edge_api_test, registration_takes_the_bearer_scheme_in_any_case) {
  const std::string body = R"({"region":"asia2","base_url":"http://127.0.0.1:9004"})";
  for (const char* scheme : {"Bearer", "bearer", "BEARER"}) {
    const auto r = call("POST", "/api/regions/register", body,
                        {{"content-type", "application/json"}, {"authorization", std::string(scheme) + " t0ken"}});
    EXPECT_EQ(r.status, 200u) << scheme << ": " << r.body;
  }
  EXPECT_EQ(call("POST", "/api/regions/register", body, {{"content-type", "application/json"}, {"authorization", "Bearer wrong"}}).status,
            401u);
  EXPECT_EQ(call("POST", "/api/regions/register", body, {{"content-type", "application/json"}, {"authorization", "Basic t0ken"}}).status,
            401u);
  EXPECT_EQ(call("POST", "/api/regions/register", body, {{"content-type", "application/json"}, {"authorization", "Bearer"}}).status, 401u);
}

// --- AUTH_MODE=owner and the rate limits ------------------------------------

class owner_edge_test : public edge_api_test {
 protected:
  static edge_settings owner_settings() {
    edge_settings s = settings();
    s.auth = net::access_config{.mode = net::auth_mode::owner, .admin_token = "admin-token-0123456789"};
    return s;
  }
  owner_edge_test() : edge_api_test(owner_settings()) {}
};

TEST_F(owner_edge_test, an_exit_without_key_or_token_is_refused_without_a_proxy) {
  const auto r = call("POST", "/edge/game/exit", R"({"gameId":")" + session_id + R"(","backendRegion":"eu"})");
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(str(body_of(r).at("error").as_object(), "code"), "forbidden");
  EXPECT_TRUE(upstream_.sent.empty());
}

TEST_F(owner_edge_test, the_key_and_the_admin_token_go_to_the_region_which_decides) {
  upstream_.answer(eu_port, 200, game_answer("eu"));
  const std::string key(64, 'a');
  ASSERT_EQ(
      call("POST", "/edge/game/exit", R"({"gameId":")" + session_id + R"(","backendRegion":"eu","session_key":")" + key + R"("})").status,
      200u);
  ASSERT_EQ(upstream_.sent.size(), 1u);
  EXPECT_EQ(str(json::parse(upstream_.sent[0].body).as_object(), "session_key"), key);
  upstream_.answer(eu_port, 200, game_answer("eu"));
  ASSERT_EQ(call("POST", "/edge/game/exit", R"({"gameId":")" + session_id + R"(","backendRegion":"eu"})",
                 {{"content-type", "application/json"}, {"x-session-key", key}, {"authorization", "Bearer x"}})
                .status,
            200u);
  ASSERT_EQ(upstream_.sent.size(), 2u);
  EXPECT_EQ(str(json::parse(upstream_.sent[1].body).as_object(), "session_key"), key);
  bool authorization_forwarded = false;
  for (const auto& [name, value] : upstream_.sent[1].headers) authorization_forwarded |= name == "Authorization" && value == "Bearer x";
  EXPECT_TRUE(authorization_forwarded);
}

class limited_edge_test : public edge_api_test {
 protected:
  static edge_settings limited_settings() {
    edge_settings s = settings();
    s.rate_per_second = 1;
    s.rate_burst = 2;
    return s;
  }
  limited_edge_test() : edge_api_test(limited_settings()) {}
};

TEST_F(limited_edge_test, starts_and_exits_over_the_bucket_get_429_before_any_proxy) {
  upstream_.answer(eu_port, 201, game_answer("eu"));
  EXPECT_EQ(call("POST", "/edge/game/start", R"({"userId":"alice"})").status, 201u);
  upstream_.answer(eu_port, 200, game_answer("eu"));
  EXPECT_EQ(call("POST", "/edge/game/exit", R"({"gameId":")" + session_id + R"(","backendRegion":"eu"})").status, 200u);
  const auto limited = call("POST", "/edge/game/start", R"({"userId":"alice"})");
  EXPECT_EQ(limited.status, 429u);
  ASSERT_EQ(limited.headers.size(), 1u);
  EXPECT_EQ(limited.headers[0].first, "Retry-After");
  EXPECT_EQ(upstream_.sent.size(), 2u);
  EXPECT_EQ(call("GET", "/edge/time").status, 200u);  // reads are not limited
  clock_.advance_ms(1000);
  upstream_.answer(eu_port, 201, game_answer("eu"));
  EXPECT_EQ(call("POST", "/edge/game/start", R"({"userId":"alice"})").status, 201u);
}

// The per-thread cache behind count_proxied is keyed by instance: a second
// edge_metrics on the same thread (a second edge in one process, as here)
// counts into its own registry.
TEST(edge_metrics, proxied_counts_go_to_the_instance_that_counted_them) {
  edge_metrics a;
  edge_metrics b;
  a.count_proxied("eu", "2xx", 0.001);
  a.count_proxied("eu", "2xx", 0.002);
  b.count_proxied("eu", "2xx", 0.001);
  a.count_proxied("eu", "5xx", 0.001);
  a.count_proxied("us", "timeout", 0.5);
  EXPECT_EQ(a.proxied.with({{"region", "eu"}, {"outcome", "2xx"}}).value(), 2u);
  EXPECT_EQ(a.proxied.with({{"region", "eu"}, {"outcome", "5xx"}}).value(), 1u);
  EXPECT_EQ(a.proxied.with({{"region", "us"}, {"outcome", "timeout"}}).value(), 1u);
  EXPECT_EQ(b.proxied.with({{"region", "eu"}, {"outcome", "2xx"}}).value(), 1u);
  EXPECT_EQ(a.proxy_latency.with({{"region", "eu"}}).read().count, 3u);
  EXPECT_EQ(b.proxy_latency.with({{"region", "eu"}}).read().count, 1u);
}

}  // namespace
}  // namespace metronome::edge

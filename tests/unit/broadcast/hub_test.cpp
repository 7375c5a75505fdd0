// The hub and its links on a fake loop and a manual clock: joining, ticks on
// step boundaries, latency from ping control frames, the silence rule,
// kicks and the rejoin cool-down, replacement, refusals, the join deadline,
// session end and shutdown. No sockets, no threads, no sleeps.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "fake_loop.hpp"
#include "hub.hpp"
#include "metronome/obs/metrics.hpp"

namespace metronome::broadcast {
namespace {

namespace json = boost::json;
using test::fake_loop;
using test::fake_ws_connection;

constexpr std::int64_t t0 = 1'733'850'000'000;

/// An in-memory store whose get() answers at once, or, when `hold` is set,
/// when the test calls release().
class fake_store final : public store::session_store {
 public:
  std::map<std::string, store::session_record> records;
  std::optional<errc> fail;
  bool hold = false;
  std::vector<std::function<void()>> held;

  void create(store::session_record, store::create_options, store::callback<store::create_outcome> done) override {
    done(make_error(errc::internal, "not used"));
  }
  void get(std::string id, store::callback<store::session_record> done) override {
    auto answer = [this, id, done = std::move(done)] {
      if (fail) return done(make_error(*fail, "failed"));
      const auto it = records.find(id);
      if (it == records.end()) return done(make_error(errc::not_found, "no such session"));
      done(it->second);
    };
    if (hold) {
      held.push_back(std::move(answer));
    } else {
      answer();
    }
  }
  void end(store::end_request, store::callback<store::end_outcome> done) override { done(make_error(errc::internal, "not used")); }
  void move_region(store::region_move, store::callback<store::session_record> done) override {
    done(make_error(errc::internal, "not used"));
  }
  void list_by_user(store::page_request, store::callback<store::page> done) override { done(make_error(errc::internal, "not used")); }
  void ping(store::callback<void> done) override { done({}); }
  std::string_view kind() const noexcept override { return "fake"; }
  void release() {
    auto all = std::move(held);
    for (auto& f : all) f();
  }
};

struct client {
  std::shared_ptr<fake_ws_connection> conn;
  /// The messages received, parsed (binary ones are not used here).
  std::vector<json::object> messages() const {
    std::vector<json::object> out;
    for (const auto& f : conn->frames()) out.push_back(json::parse(f.payload()).as_object());
    return out;
  }
  std::vector<json::object> of_type(std::string_view type) const {
    std::vector<json::object> out;
    for (auto& m : messages()) {
      if (m.at("type").as_string() == type) out.push_back(std::move(m));
    }
    return out;
  }
  void send(const std::string& text) { conn->deliver(text); }
  /// Answers the latest ping control frame, as every WebSocket stack does.
  void answer_ping() { conn->pong(conn->pings().back()); }
};

class hub_test : public ::testing::Test {
 protected:
  void SetUp() override {
    store::session_record r;
    r.id = "s1";
    r.seed = 42;
    r.start_at_ms = t0 + 2000;
    r.tick_ms = 100;
    r.rule_json = R"({"name":"rounds","mean_interval":50,"jitter":49})";
    store_.records[r.id] = r;
    r.id = "srv";
    r.mode = store::session_mode::server;
    r.commitment = "ab12";
    r.salt = "cd34";
    store_.records[r.id] = r;
  }
  void TearDown() override {
    hub_.shutdown();
    for (auto& c : clients_) c.conn->finish();  // breaks the connection <-> handler cycles
    loop_.run_ready();
  }

  client connect(std::string subprotocol = "") {
    client c{std::make_shared<fake_ws_connection>(loop_, std::move(subprotocol))};
    c.conn->attach(hub_.open(c.conn));
    clients_.push_back(c);
    return c;
  }
  client join(const std::string& session, const std::string& user) {
    client c = connect();
    c.send(R"({"action":"join","sessionId":")" + session + R"(","userId":")" + user + "\"}");
    loop_.run_ready();
    return c;
  }

  manual_clock clock_{t0};
  fake_loop loop_{clock_};
  fake_store store_;
  settings s_{};
  std::string region_ = "eu";
  params_fn params_ = [](const store::session_record& r) -> result<engine::session_params> {
    return engine::session_params{.seed = r.seed, .start_at_ms = r.start_at_ms, .tick_ms = r.tick_ms};
  };
  obs::registry metrics_registry_;
  broadcast_metrics metrics_{metrics_registry_};
  player_registry registry_;
  moved_sessions moved_;
  hub hub_{loop_, store_, clock_, s_, region_, params_, metrics_, registry_, moved_};
  std::vector<client> clients_;
};

TEST_F(hub_test, a_join_gets_session_joined_then_the_countdown) {
  const client c = join("s1", "alice");
  const auto m = c.messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].at("type").as_string(), "session_joined");
  EXPECT_EQ(m[0].at("seed").as_string(), "42");  // client mode: a decimal string
  EXPECT_FALSE(m[0].contains("commitment"));
  EXPECT_FALSE(m[0].at("resumed").as_bool());
  EXPECT_EQ(m[0].at("rule").at("name").as_string(), "rounds");
  EXPECT_EQ(m[1].at("type").as_string(), "countdown");
  EXPECT_EQ(m[1].at("remainingMs").as_int64(), 2000);
}

TEST_F(hub_test, server_mode_hides_the_seed_and_reveals_it_when_the_session_ends) {
  const client c = join("srv", "bob");
  const auto joined = c.of_type("session_joined").at(0);
  EXPECT_TRUE(joined.at("seed").is_null());
  EXPECT_EQ(joined.at("commitment").at("value").as_string(), "ab12");
  store::session_record ended = store_.records["srv"];
  ended.status = store::session_status::stopped;
  hub_.session_ended(ended);
  const auto stopped = c.of_type("stopped").at(0);
  EXPECT_EQ(stopped.at("seed").as_string(), "42");
  EXPECT_EQ(stopped.at("salt").as_string(), "cd34");
  EXPECT_EQ(c.conn->close_code(), close_code::normal);
}

TEST_F(hub_test, ticks_fire_on_step_boundaries_and_share_one_encoding) {
  const client a = join("s1", "a"), b = join("s1", "b");
  loop_.advance_ms(2000 + 450);  // steps 0 to 4
  const auto ta = a.of_type("tick"), tb = b.of_type("tick");
  ASSERT_EQ(ta.size(), 5u);
  for (std::size_t k = 0; k < ta.size(); ++k) {
    EXPECT_EQ(ta[k].at("step").as_int64(), static_cast<std::int64_t>(k));
    EXPECT_EQ(ta[k].at("serverTimestamp").as_int64(), t0 + 2000 + static_cast<std::int64_t>(k) * 100);
  }
  // Encode once, send many: both players hold the same whole frame (header
  // and payload), not copies.
  const auto& last_a = a.conn->frames().back();
  const auto& last_b = b.conn->frames().back();
  EXPECT_EQ(last_a.data.get(), last_b.data.get());
  EXPECT_TRUE(last_a.framed);
  EXPECT_EQ(tb.size(), 5u);
}

TEST_F(hub_test, latency_is_measured_with_ping_control_frames) {
  client c = join("s1", "p");
  loop_.advance_ms(1000);
  ASSERT_EQ(c.conn->pings().size(), 1u);
  EXPECT_EQ(decode_ping_payload(c.conn->pings()[0]), 1u);
  loop_.advance_ms(40);
  c.answer_ping();
  auto status = c.of_type("latency_status");
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].at("status").as_string(), "ok");
  EXPECT_NEAR(status[0].at("rttMs").as_double(), 40.0, 0.01);
  // A slow answer warns; a repeated or unknown pong adds no sample.
  loop_.advance_ms(960);
  loop_.advance_ms(130);
  c.answer_ping();
  c.answer_ping();
  c.conn->pong("");  // a keep-alive pong of the client's own
  status = c.of_type("latency_status");
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[1].at("status").as_string(), "warning");
  EXPECT_NEAR(status[1].at("rttMs").as_double(), 85.0, 0.01);
  EXPECT_TRUE(c.of_type("error").empty());
}

TEST_F(hub_test, a_client_that_answers_nothing_but_pongs_is_never_kicked) {
  client c = join("s1", "quiet");
  loop_.advance_ms(1000);  // the first ping
  for (int i = 0; i < 30; ++i) {
    loop_.advance_ms(5);
    c.answer_ping();
    loop_.advance_ms(995);  // the next ping
  }
  EXPECT_TRUE(c.of_type("kicked").empty());
  EXPECT_EQ(c.conn->close_code(), 0);
  EXPECT_EQ(c.of_type("latency_status").size(), 30u);
}

TEST_F(hub_test, messages_alone_also_count_as_signs_of_life) {
  client c = join("s1", "talker");
  for (int i = 0; i < 20; ++i) {
    loop_.advance_ms(1000);
    c.send(R"({"action":"ping","clientTimestamp":1})");
  }
  EXPECT_TRUE(c.of_type("kicked").empty());
  EXPECT_EQ(c.of_type("pong").size(), 20u);
}

TEST_F(hub_test, silence_for_unresponsive_ms_kicks_and_the_player_must_cool_down) {
  client c = join("s1", "gone");
  loop_.advance_ms(s_.unresponsive_ms + s_.ping_interval_ms);
  const auto kicked = c.of_type("kicked");
  ASSERT_EQ(kicked.size(), 1u);
  EXPECT_EQ(kicked[0].at("reason").as_string(), "unresponsive");
  EXPECT_EQ(c.conn->close_code(), close_code::kicked);
  c.conn->finish();

  const client again = join("s1", "gone");
  const auto e = again.of_type("error");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].at("code").as_string(), "rejoin_cooldown");
  EXPECT_EQ(e[0].at("retryAfterMs").as_int64(), s_.rejoin_cooldown_ms);
  EXPECT_EQ(again.conn->close_code(), close_code::rejoin_cooldown);
  again.conn->finish();

  loop_.advance_ms(s_.rejoin_cooldown_ms);
  const client later = join("s1", "gone");
  const auto joined = later.of_type("session_joined");
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_FALSE(joined[0].at("resumed").as_bool());
}

TEST_F(hub_test, a_full_window_of_slow_pongs_kicks_for_latency) {
  client c = join("s1", "far");
  loop_.advance_ms(1000);  // the first ping
  for (std::size_t i = 0; i < s_.latency_samples; ++i) {
    loop_.advance_ms(200);
    c.answer_ping();
    loop_.advance_ms(800);  // the next ping
  }
  const auto kicked = c.of_type("kicked");
  ASSERT_EQ(kicked.size(), 1u);
  EXPECT_EQ(kicked[0].at("reason").as_string(), "high_latency");
  EXPECT_NEAR(kicked[0].at("rttMs").as_double(), 200.0, 0.01);
  EXPECT_EQ(c.conn->close_code(), close_code::kicked);
  EXPECT_EQ(c.of_type("latency_status").size(), s_.latency_samples - 1);  // warnings before the window filled
}

TEST_F(hub_test, a_drop_resumes_a_leave_does_not) {
  client c = join("s1", "u");
  loop_.advance_ms(1000);
  c.answer_ping();
  c.conn->finish();  // dropped
  loop_.advance_ms(500);
  client back = join("s1", "u");
  EXPECT_TRUE(back.of_type("session_joined").at(0).at("resumed").as_bool());
  back.send(R"({"action":"leave"})");
  EXPECT_EQ(back.conn->close_code(), close_code::normal);
  back.conn->finish();
  const client fresh = join("s1", "u");
  EXPECT_FALSE(fresh.of_type("session_joined").at(0).at("resumed").as_bool());
}

TEST_F(hub_test, a_second_connection_replaces_the_first_with_its_figures) {
  client first = join("s1", "twice");
  loop_.advance_ms(1000);
  loop_.advance_ms(30);
  first.answer_ping();
  const client second = join("s1", "twice");
  loop_.run_ready();
  const auto kicked = first.of_type("kicked");
  ASSERT_EQ(kicked.size(), 1u);
  EXPECT_EQ(kicked[0].at("reason").as_string(), "replaced");
  EXPECT_NEAR(kicked[0].at("rttMs").as_double(), 30.0, 0.01);
  EXPECT_TRUE(kicked[0].contains("jitterMs"));
  EXPECT_EQ(first.conn->close_code(), close_code::replaced);
  EXPECT_TRUE(second.of_type("session_joined").at(0).at("resumed").as_bool());
}

TEST_F(hub_test, joins_to_missing_ended_or_unreachable_sessions_are_refused) {
  const client missing = join("nope", "u");
  EXPECT_EQ(missing.of_type("error").at(0).at("code").as_string(), "session_not_found");
  EXPECT_EQ(missing.conn->close_code(), close_code::join_refused);

  store_.records["s1"].status = store::session_status::exited;
  const client ended = join("s1", "u");
  EXPECT_EQ(ended.of_type("error").at(0).at("code").as_string(), "session_ended");
  EXPECT_EQ(ended.conn->close_code(), close_code::join_refused);

  store_.fail = errc::unavailable;
  const client down = join("srv", "u");
  EXPECT_EQ(down.of_type("error").at(0).at("code").as_string(), "store_unavailable");
  EXPECT_EQ(down.conn->close_code(), close_code::try_again_later);
}

TEST_F(hub_test, a_join_with_after_gets_every_step_after_it_then_the_live_ticks) {
  loop_.advance_ms(2000 + 750);  // the session is at step 7
  client c = connect();
  c.send(R"({"action":"join","sessionId":"s1","userId":"back","after":3})");
  loop_.run_ready();
  loop_.advance_ms(200);  // steps 8 and 9 live
  std::vector<std::int64_t> steps;
  for (const auto& t : c.of_type("tick")) steps.push_back(t.at("step").as_int64());
  EXPECT_EQ(steps, (std::vector<std::int64_t>{4, 5, 6, 7, 8, 9}));
  // A resume point at or past the current step owes nothing: no repeat.
  client ahead = connect();
  ahead.send(R"({"action":"join","sessionId":"s1","userId":"ahead","after":9})");
  loop_.run_ready();
  loop_.advance_ms(100);
  steps.clear();
  for (const auto& t : ahead.of_type("tick")) steps.push_back(t.at("step").as_int64());
  EXPECT_EQ(steps, (std::vector<std::int64_t>{10}));
  // A bad resume point is the client's error.
  client bad = connect();
  bad.send(R"({"action":"join","sessionId":"s1","userId":"bad","after":-2})");
  loop_.run_ready();
  EXPECT_EQ(bad.of_type("error").at(0).at("code").as_string(), "bad_field");
}

TEST_F(hub_test, a_join_on_a_step_boundary_before_its_timer_gets_that_step_once) {
  const client a = join("s1", "a");
  loop_.advance_ms(2000 + 250);  // steps 0 to 2
  clock_.advance_ms(50);         // step 3's boundary; its timer has not run yet
  const client b = join("s1", "b");
  loop_.advance_ms(1);  // the timer: step 3 for a, not again for b
  auto steps = [](const client& c) {
    std::vector<std::int64_t> out;
    for (const auto& t : c.of_type("tick")) out.push_back(t.at("step").as_int64());
    return out;
  };
  EXPECT_EQ(steps(a), (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(steps(b), (std::vector<std::int64_t>{3}));
}

TEST_F(hub_test, a_moved_session_sends_migrate_closes_4007_and_refuses_later_joins) {
  const client a = join("s1", "a");
  loop_.advance_ms(2000 + 250);  // steps 0 to 2
  moved_.record("s1", {"us", "ws://127.0.0.1:9/ws"});
  store_.records["s1"].region = "us";
  hub_.session_moved("s1", {"us", "ws://127.0.0.1:9/ws"});
  loop_.run_ready();
  const auto m = a.of_type("migrate");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].at("region").as_string(), "us");
  EXPECT_EQ(m[0].at("wsUrl").as_string(), "ws://127.0.0.1:9/ws");
  EXPECT_EQ(m[0].at("lastStep").as_int64(), 2);
  EXPECT_EQ(a.conn->close_code(), close_code::migrated);
  const client late = join("s1", "late");
  const auto e = late.of_type("error");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].at("code").as_string(), "session_moved");
  EXPECT_EQ(e[0].at("region").as_string(), "us");
  EXPECT_EQ(late.conn->close_code(), close_code::migrated);
  // Moved back here: served again.
  store_.records["s1"].region = "eu";
  const client home = join("s1", "home");
  EXPECT_EQ(home.of_type("session_joined").size(), 1u);
}

TEST_F(hub_test, a_move_seen_by_the_status_poll_moves_the_players_too) {
  const client a = join("s1", "a");
  loop_.advance_ms(2000 + 150);
  store_.records["s1"].region = "asia";
  loop_.advance_ms(s_.status_poll_ms + s_.ping_interval_ms);
  const auto m = a.of_type("migrate");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].at("region").as_string(), "asia");
  EXPECT_TRUE(m[0].at("wsUrl").is_null());  // not known here: ask the edge
  EXPECT_EQ(a.conn->close_code(), close_code::migrated);
}

TEST_F(hub_test, players_waiting_for_the_store_all_join_when_it_answers) {
  store_.hold = true;
  const client a = join("s1", "a"), b = join("s1", "b");
  EXPECT_TRUE(a.messages().empty());
  store_.release();
  loop_.run_ready();
  EXPECT_EQ(a.of_type("session_joined").size(), 1u);
  EXPECT_EQ(b.of_type("session_joined").size(), 1u);
}

TEST_F(hub_test, a_connection_that_never_joins_is_closed_at_the_deadline) {
  const client c = connect();
  loop_.advance_ms(s_.join_timeout_ms - 1);
  EXPECT_EQ(c.conn->close_code(), 0);
  loop_.advance_ms(1);
  EXPECT_EQ(c.of_type("error").at(0).at("code").as_string(), "join_timeout");
  EXPECT_EQ(c.conn->close_code(), close_code::join_timeout);
}

TEST_F(hub_test, refusals_are_counted_and_the_fifth_closes) {
  client c = connect();
  c.send("not json");
  c.send(R"({"action":"dance"})");
  c.send(R"({"action":"join","sessionId":""})");
  EXPECT_EQ(c.of_type("error").size(), 3u);
  EXPECT_EQ(c.conn->close_code(), 0);
  c.send("{");
  c.send("{");
  EXPECT_EQ(c.conn->close_code(), close_code::policy_violation);
}

TEST_F(hub_test, the_rate_limit_refuses_past_the_burst) {
  client c = join("s1", "spam");
  for (int i = 0; i < 41; ++i) c.send(R"({"action":"ping","clientTimestamp":1})");
  const auto e = c.of_type("error");
  ASSERT_EQ(e.size(), 2u);  // the burst of 40 took the join too
  EXPECT_EQ(e[0].at("code").as_string(), "rate_limited");
  loop_.advance_ms(1000);  // 20 tokens back
  c.send(R"({"action":"ping","clientTimestamp":1})");
  EXPECT_EQ(c.of_type("error").size(), 2u);
}

TEST_F(hub_test, shutdown_closes_every_connection_joined_or_not) {
  const client joined = join("s1", "j");
  const client idle = connect();
  store_.hold = true;
  const client waiting = join("srv", "w");
  hub_.shutdown();
  EXPECT_EQ(joined.conn->close_code(), close_code::going_away);
  EXPECT_EQ(idle.conn->close_code(), close_code::going_away);
  EXPECT_EQ(waiting.conn->close_code(), close_code::going_away);
  store_.release();  // a late store answer after shutdown does nothing
  loop_.run_ready();
  EXPECT_TRUE(waiting.of_type("session_joined").empty());
}

TEST_F(hub_test, a_session_with_no_connection_left_holds_no_timer) {
  client c = join("s1", "last");
  EXPECT_GT(loop_.armed_timers(), 0u);
  c.conn->finish();
  loop_.run_ready();
  EXPECT_EQ(loop_.armed_timers(), 0u);
}

}  // namespace
}  // namespace metronome::broadcast

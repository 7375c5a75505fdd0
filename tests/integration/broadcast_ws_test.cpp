// The tick broadcaster against real region processes over real sockets
// (docs/protocol.md): every message, identical state across regions, latency
// measured with ping control frames (long round trips through a delaying
// proxy), a seed 001 client that never answers anything, clock sync,
// backpressure, stop, reconnection and its limits, abuse, shutdown.
#include <gtest/gtest.h>

#include <signal.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <thread>

#include "delay_proxy.hpp"
#include "metronome/engine/seed.hpp"
#include "metronome/engine/state.hpp"
#include "region_fixture.hpp"
#include "ws_client.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string db_url() { return "sqlite:" + make_temp_dir("metronome-ws-") + "/s.db"; }

json::object create(const region_process& r, const std::string& body) {
  const auto res = r.call("POST", "/v1/sessions", body);
  EXPECT_EQ(res.status, 201) << res.body;
  return json_of(res);
}

std::string join_msg(const std::string& session, const std::string& user) {
  return R"({"action":"join","sessionId":")" + session + R"(","userId":")" + user + "\"}";
}

/// Reads JSON messages until one of `type` arrives; nullopt on timeout or
/// close. While it reads, the client's WebSocket stack answers the server's
/// ping control frames by itself, as every library and browser does.
std::optional<json::object> read_until(ws_client& c, std::string_view type, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = c.read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!m) return std::nullopt;
    json::object o = json::parse(m->binary ? m->data.substr(1) : m->data).as_object();
    if (o.at("type").as_string() == type) return o;
  }
  return std::nullopt;
}

/// Waits, within `timeout`, until `done()` holds; false if it never did.
template <class Condition>
bool wait_for(Condition done, std::chrono::milliseconds timeout = 5000ms) {
  for (const auto until = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < until;) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

/// The state of `user` in GET /v1/sessions/{id}/players ("" if absent).
std::string player_state(const region_process& r, const std::string& id, const std::string& user) {
  const json::object listed = json_of(r.call("GET", "/v1/sessions/" + id + "/players"));
  for (const auto& p : listed.at("players").as_array()) {
    if (p.as_object().at("userId").as_string() == user) return std::string(p.as_object().at("state").as_string());
  }
  return "";
}

/// The server no longer counts `user` as connected (disconnected, or
/// forgotten with its session's last connection).
bool gone(const region_process& r, const std::string& id, const std::string& user) {
  const std::string state = player_state(r, id, user);
  return state.empty() || state == "disconnected";
}

/// Reads until the server closes the connection, for at most `timeout` (a
/// server that fails to close makes the test fail, not hang).
void drain_until_closed(ws_client& c, std::chrono::milliseconds timeout = 3000ms) {
  for (const auto until = std::chrono::steady_clock::now() + timeout; !c.closed() && std::chrono::steady_clock::now() < until;) {
    c.read(200ms);
  }
}

const std::vector<std::string> fast = {"COUNTDOWN_MS=300", "PING_INTERVAL_MS=200"};

TEST(broadcast, join_countdown_ticks_pings_and_leave) {
  region_process r(db_url(), fast);
  const auto s = create(r, R"({"mode":"server","tick_ms":50})");
  const std::string id(s.at("id").as_string());
  ws_client c(r.port());
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.subprotocol(), "");
  c.send_text(join_msg(id, "u1"));
  const auto joined = read_until(c, "session_joined");
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->at("sessionId").as_string(), id);
  EXPECT_TRUE(joined->at("seed").is_null());  // server mode
  EXPECT_EQ(joined->at("commitment").as_object().at("value"), s.at("commitment").as_object().at("value"));
  EXPECT_EQ(joined->at("tickMs").as_int64(), 50);
  EXPECT_FALSE(joined->at("resumed").as_bool());
  const auto countdown = read_until(c, "countdown");
  ASSERT_TRUE(countdown);
  EXPECT_GT(countdown->at("remainingMs").as_int64(), 0);

  c.send_text(R"({"action":"ping","clientTimestamp":12345})");
  const auto pong = read_until(c, "pong");
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->at("clientTimestamp").as_int64(), 12345);

  // Ticks: increasing steps, each stamped within its own step. A timer that
  // fires late (a machine busy with a build) sends the newest step, so a
  // step may be skipped, never repeated or reordered; tick lag is measured
  // in bench/tick_lag_bench.py, not here.
  const std::int64_t start_at = s.at("start_at_ms").as_int64();
  std::int64_t prev = -1;
  int ticks = 0;
  while (ticks < 20) {
    const auto t = read_until(c, "tick");
    ASSERT_TRUE(t);
    const std::int64_t step = t->at("step").as_int64();
    if (prev >= 0) {
      EXPECT_GT(step, prev);
    }
    const std::int64_t boundary = start_at + step * 50;
    EXPECT_GE(t->at("serverTimestamp").as_int64(), boundary);
    EXPECT_LT(t->at("serverTimestamp").as_int64(), boundary + 50);
    prev = step;
    ++ticks;
  }
  const auto status = read_until(c, "latency_status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->at("status").as_string(), "ok");
  const auto players = json_of(r.call("GET", "/v1/sessions/" + id + "/players")).at("players").as_array();
  ASSERT_EQ(players.size(), 1u);
  EXPECT_EQ(players[0].as_object().at("state").as_string(), "playing");

  c.send_text(R"({"action":"leave"})");
  drain_until_closed(c);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.close_code(), 1000);
}

TEST(broadcast, binary_subprotocol_carries_the_same_ticks) {
  region_process r(db_url(), fast);
  const auto s = create(r, R"({"tick_ms":50,"rule":"rounds"})");
  const std::string id(s.at("id").as_string());
  const engine::session_params p{
      .seed = *engine::parse_seed(s.at("seed").as_string()), .start_at_ms = s.at("start_at_ms").as_int64(), .tick_ms = 50};
  ws_client c(r.port(), "/ws", "metronome.v1.json, metronome.v1.bin");
  ASSERT_EQ(c.subprotocol(), "metronome.v1.bin");
  c.send_binary("\x7F" + join_msg(id, "b1"));
  int ticks = 0;
  for (int i = 0; i < 200 && ticks < 10; ++i) {
    const auto m = c.read();
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->binary);
    if (static_cast<std::uint8_t>(m->data[0]) != 0x01) continue;
    ASSERT_EQ(m->data.size(), 34u);
    auto le = [&](std::size_t at) {
      std::uint64_t v = 0;
      for (std::size_t k = 0; k < 8; ++k) v |= std::uint64_t{static_cast<std::uint8_t>(m->data[at + k])} << (8 * k);
      return static_cast<std::int64_t>(v);
    };
    const engine::state expected = engine::state_at_step(p, le(2));
    EXPECT_EQ(le(10), expected.value);
    EXPECT_EQ(le(18), expected.round);
    EXPECT_EQ(m->data[1] != 0, expected.broken);
    ++ticks;
  }
  EXPECT_EQ(ticks, 10);
}

TEST(broadcast, two_regions_send_identical_state_for_every_step) {
  const std::string url = db_url();
  region_process eu(url, fast, "eu");
  region_process us(url, fast, "us");
  const auto s = create(eu, R"({"tick_ms":20,"rule":{"name":"rounds","mean_interval":5,"jitter":4}})");
  const std::string id(s.at("id").as_string());
  std::map<std::int64_t, std::string> seen[2];
  auto collect = [&](std::uint16_t port, int k) {
    ws_client c(port);
    c.send_text(join_msg(id, "player" + std::to_string(k)));
    while (seen[k].size() < 100) {
      const auto t = read_until(c, "tick");
      if (!t) break;
      seen[k][t->at("step").as_int64()] =
          json::serialize(json::object{{"v", t->at("value")}, {"r", t->at("round")}, {"b", t->at("broken")}});
    }
  };
  std::thread a([&] { collect(eu.port(), 0); });
  std::thread b([&] { collect(us.port(), 1); });
  a.join();
  b.join();
  ASSERT_GE(seen[0].size(), 90u);
  ASSERT_GE(seen[1].size(), 90u);
  int common = 0;
  for (const auto& [step, state] : seen[0]) {
    if (auto it = seen[1].find(step); it != seen[1].end()) {
      EXPECT_EQ(state, it->second) << "step " << step;
      ++common;
    }
  }
  EXPECT_GE(common, 80);
}

struct latency_outcome {
  bool warned = false, kicked = false;
  std::string reason;
  int close_code = 0;
};

/// A plain client (join, then only reading) connected through a proxy that
/// delays each direction by `one_way`; the server's ping control frames and
/// the client stack's pongs take the long way round.
latency_outcome latency_run(const region_process& r, const std::string& id, std::chrono::milliseconds one_way) {
  delay_proxy proxy(r.port(), one_way);
  ws_client c(proxy.port());
  c.send_text(join_msg(id, "far" + std::to_string(one_way.count())));
  latency_outcome out;
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until && !c.closed()) {
    auto m = c.read(100ms);
    if (!m) continue;
    json::object o = json::parse(m->data).as_object();
    const auto type = o.at("type").as_string();
    if (type == "latency_status" && o.at("status") == "warning") {
      out.warned = true;
    } else if (type == "kicked") {
      out.kicked = true;
      out.reason = std::string(o.at("reason").as_string());
    }
  }
  // A kicked client is closed by the server; one that is not keeps getting
  // ticks, so wait for the close only briefly.
  drain_until_closed(c, 2s);
  out.close_code = c.close_code();
  return out;
}

TEST(broadcast, at_120_ms_rtt_a_plain_client_is_warned_and_at_220_ms_it_is_kicked) {
  region_process r(db_url(), fast);
  const std::string id(create(r, R"({"mode":"server"})").at("id").as_string());
  const latency_outcome near = latency_run(r, id, 60ms);
  EXPECT_TRUE(near.warned);
  EXPECT_FALSE(near.kicked) << near.reason;

  const latency_outcome far = latency_run(r, id, 110ms);
  EXPECT_TRUE(far.kicked);
  EXPECT_EQ(far.reason, "high_latency");
  EXPECT_EQ(far.close_code, 4001);
}

TEST(broadcast, a_seed_001_client_that_never_answers_plays_a_whole_session_unharmed) {
  // Seed 001's client: join, then {"action":"ping"} every second, reading
  // whatever comes. It never echoes anything. Silence limit 1 s, pings every
  // 200 ms: the old rule (echo our JSON pings) would kick it within 1.2 s.
  region_process r(db_url(), {"COUNTDOWN_MS=500", "PING_INTERVAL_MS=200", "UNRESPONSIVE_MS=1000"});
  const auto s = create(r, R"({"mode":"server","tick_ms":50})");
  const std::string id(s.at("id").as_string());
  ws_client c(r.port());
  c.send_text(join_msg(id, "seed001"));
  std::map<std::string, int> seen;
  std::int64_t last_step = -1;
  const auto until = std::chrono::steady_clock::now() + 4s;
  auto next_ping = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < until && !c.closed()) {
    if (std::chrono::steady_clock::now() >= next_ping) {
      c.send_text(R"({"action":"ping","clientTimestamp":)" + std::to_string(wall_ms()) + "}");
      next_ping += 1s;
    }
    auto m = c.read(50ms);
    if (!m) continue;
    const json::object o = json::parse(m->data).as_object();
    const std::string type(o.at("type").as_string());
    ++seen[type];
    if (type == "latency_status") {
      EXPECT_EQ(o.at("status").as_string(), "ok") << json::serialize(o);
    }
    if (type == "tick") last_step = o.at("step").as_int64();
  }
  EXPECT_FALSE(c.closed()) << "close code " << c.close_code();
  EXPECT_EQ(seen["kicked"], 0);
  EXPECT_EQ(seen["error"], 0);
  EXPECT_EQ(seen["ping"], 0);  // nothing the client would have to answer
  EXPECT_GE(seen["pong"], 3);
  EXPECT_GE(seen["countdown"], 1);
  EXPECT_GE(seen["tick"], 40);
  EXPECT_GE(seen["latency_status"], 10);  // measured from the client stack's own pongs
  EXPECT_GT(last_step, 40);
  // The session ends: the client learns it and the server closes normally.
  EXPECT_EQ(r.call("POST", "/v1/sessions/" + id + "/stop").status, 200);
  const auto stopped = read_until(c, "stopped");
  ASSERT_TRUE(stopped);
  EXPECT_FALSE(stopped->at("seed").as_string().empty());
  drain_until_closed(c);
  EXPECT_EQ(c.close_code(), 1000);
}

TEST(broadcast, a_connection_that_sends_nothing_at_all_is_kicked_as_unresponsive) {
  region_process r(db_url(), {"COUNTDOWN_MS=300", "PING_INTERVAL_MS=200", "UNRESPONSIVE_MS=600"});
  const std::string id(create(r, "{}").at("id").as_string());
  ws_client c(r.port());
  c.send_text(join_msg(id, "silent"));
  ASSERT_TRUE(read_until(c, "session_joined"));
  // This client's stack only answers pings while it reads: not reading is
  // silence. The server must notice within its limit plus a ping period.
  ASSERT_TRUE(wait_for([&] { return gone(r, id, "silent"); }));
  const auto kicked = read_until(c, "kicked");
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->at("reason").as_string(), "unresponsive");
  drain_until_closed(c);
  EXPECT_EQ(c.close_code(), 4001);
}

TEST(broadcast, a_client_whose_clock_is_two_hours_off_computes_the_servers_step_after_syncing) {
  region_process r(db_url(), fast);
  const auto s = create(r, R"({"tick_ms":100})");
  const std::string id(s.at("id").as_string());
  constexpr std::int64_t skew = -2 * 3600 * 1000;  // this client's clock runs two hours behind
  auto client_now = [] { return wall_ms() + skew; };
  ws_client c(r.port());
  c.send_text(join_msg(id, "skewed"));
  ASSERT_TRUE(read_until(c, "session_joined"));
  // docs/protocol.md: 8 samples, keep the half with the lowest RTT, median offset.
  std::vector<std::pair<std::int64_t, double>> samples;  // rtt, offset
  for (int i = 0; i < 8; ++i) {
    const std::int64_t t0 = client_now();
    c.send_text(R"({"action":"ping","clientTimestamp":)" + std::to_string(t0) + "}");
    const auto pong = read_until(c, "pong");
    ASSERT_TRUE(pong);
    const std::int64_t t1 = client_now();
    const double offset =
        static_cast<double>(pong->at("serverTimestamp").as_int64()) + static_cast<double>(t1 - t0) / 2.0 - static_cast<double>(t1);
    samples.emplace_back(t1 - t0, offset);
    std::this_thread::sleep_for(20ms);
  }
  std::sort(samples.begin(), samples.end());
  std::vector<double> best;
  for (std::size_t i = 0; i < samples.size() / 2; ++i) best.push_back(samples[i].second);
  std::sort(best.begin(), best.end());
  const double offset = (best[1] + best[2]) / 2.0;
  EXPECT_NEAR(offset, -static_cast<double>(skew), 50.0);

  const auto tick = read_until(c, "tick");
  ASSERT_TRUE(tick);
  const auto local_server_time = static_cast<std::int64_t>(static_cast<double>(client_now()) + offset);
  const std::int64_t local_step = (local_server_time - s.at("start_at_ms").as_int64()) / 100;
  EXPECT_LE(std::abs(local_step - tick->at("step").as_int64()), 1);
}

std::int64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

TEST(broadcast, a_reader_that_stops_reading_does_not_grow_server_memory) {
  // ASan's quarantine keeps freed memory out of reuse and would make churn
  // look like growth: measure what is retained.
  region_process r(db_url(), {"COUNTDOWN_MS=0", "PING_INTERVAL_MS=1000", "UNRESPONSIVE_MS=600000", "ASAN_OPTIONS=quarantine_size_mb=0"});
  const std::string id(create(r, R"({"tick_ms":1})").at("id").as_string());  // 1000 ticks per second
  ws_client stalled(r.port());
  stalled.send_text(join_msg(id, "stalled"));
  ASSERT_TRUE(read_until(stalled, "session_joined"));
  std::this_thread::sleep_for(1500ms);  // socket buffers fill; the queue now coalesces
  const std::int64_t before = rss_kib(r.process().pid());
  std::this_thread::sleep_for(3000ms);  // ~3000 more ticks that the reader never takes
  const std::int64_t after = rss_kib(r.process().pid());
  EXPECT_LT(after - before, 2048) << "RSS grew from " << before << " to " << after << " KiB";
  // The connection's queue holds at most one frame of each kind (ticks, pings,
  // latency status replace their predecessors), not thousands of ticks.
  const auto players = json_of(r.call("GET", "/v1/sessions/" + id + "/players")).at("players").as_array();
  ASSERT_EQ(players.size(), 1u);
  EXPECT_LT(players[0].as_object().at("queuedBytes").as_int64(), 1024);
  // When it reads again, after what the kernel's socket buffers hold (ticks
  // written before they filled), it gets fresh state, not a 3-second backlog.
  const std::int64_t now_step = json_of(r.call("GET", "/v1/sessions/" + id + "/state")).at("step").as_int64();
  std::int64_t last = 0;
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (last < now_step && std::chrono::steady_clock::now() < until) {
    auto m = stalled.read(500ms);
    if (!m) break;
    const auto o = json::parse(m->data).as_object();
    if (o.at("type").as_string() == "tick") last = o.at("step").as_int64();
  }
  EXPECT_GE(last, now_step);
}

TEST(broadcast, stop_sends_stopped_with_the_revealed_seed_then_closes) {
  region_process r(db_url(), fast);
  const auto s = create(r, R"({"mode":"server"})");
  const std::string id(s.at("id").as_string());
  ws_client c(r.port());
  c.send_text(join_msg(id, "u"));
  ASSERT_TRUE(read_until(c, "session_joined"));
  EXPECT_EQ(r.call("POST", "/v1/sessions/" + id + "/stop").status, 200);
  const auto stopped = read_until(c, "stopped");
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->at("reason").as_string(), "stopped");
  const auto revealed = json_of(r.call("GET", "/v1/sessions/" + id));
  EXPECT_EQ(stopped->at("seed"), revealed.at("seed"));
  EXPECT_EQ(stopped->at("salt"), revealed.at("salt"));
  drain_until_closed(c);
  EXPECT_EQ(c.close_code(), 1000);
}

TEST(broadcast, a_stop_on_another_region_reaches_players_through_the_store) {
  const std::string url = db_url();
  region_process eu(url, fast, "eu");
  region_process us(url, fast, "us");
  const std::string id(create(eu, "{}").at("id").as_string());
  ws_client c(eu.port());
  c.send_text(join_msg(id, "u"));
  ASSERT_TRUE(read_until(c, "session_joined"));
  EXPECT_EQ(us.call("POST", "/v1/sessions/" + id + "/stop").status, 200);
  EXPECT_TRUE(read_until(c, "stopped", 5000ms));
}

TEST(broadcast, a_reconnect_within_the_grace_period_resumes) {
  region_process r(db_url(), {"COUNTDOWN_MS=300", "PING_INTERVAL_MS=200", "RECONNECT_GRACE_MS=3000"});
  const std::string id(create(r, "{}").at("id").as_string());
  {
    ws_client c(r.port());
    c.send_text(join_msg(id, "flaky"));
    ASSERT_TRUE(read_until(c, "latency_status"));
    c.close();  // the connection drops
  }
  ASSERT_TRUE(wait_for([&] { return gone(r, id, "flaky"); }));
  ws_client again(r.port());
  again.send_text(join_msg(id, "flaky"));
  const auto joined = read_until(again, "session_joined");
  ASSERT_TRUE(joined);
  EXPECT_TRUE(joined->at("resumed").as_bool());
  EXPECT_TRUE(read_until(again, "tick"));  // the current step at once, then on
  // A second live connection of the same player replaces the first.
  ws_client third(r.port());
  third.send_text(join_msg(id, "flaky"));
  ASSERT_TRUE(read_until(third, "session_joined"));
  const auto kicked = read_until(again, "kicked");
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->at("reason").as_string(), "replaced");
  drain_until_closed(again);
  EXPECT_EQ(again.close_code(), 4005);
}

TEST(broadcast, bad_messages_get_errors_and_abuse_closes_the_connection) {
  region_process r(db_url(), fast);
  const std::string id(create(r, "{}").at("id").as_string());
  {
    ws_client c(r.port());
    c.send_text("this is not json");
    auto e = read_until(c, "error");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->at("code").as_string(), "bad_message");
    c.send_text(R"({"action":"dance"})");
    e = read_until(c, "error");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->at("code").as_string(), "unknown_action");
    for (int i = 0; i < 3; ++i) c.send_text("{");
    drain_until_closed(c);
    EXPECT_EQ(c.close_code(), 1008);  // the fifth refusal
  }
  {
    ws_client c(r.port());
    c.send_text(std::string(5000, 'x'));
    drain_until_closed(c);
    EXPECT_EQ(c.close_code(), 1009);
  }
  {
    ws_client c(r.port());
    c.send_text(join_msg("00000000-0000-4000-8000-000000000000", "u"));
    const auto e = read_until(c, "error");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->at("code").as_string(), "session_not_found");
    drain_until_closed(c);
    EXPECT_EQ(c.close_code(), 4004);
  }
  {
    ws_client c(r.port());
    c.send_text(join_msg(id, "spammer"));
    ASSERT_TRUE(read_until(c, "session_joined"));
    for (int i = 0; i < 60; ++i) c.send_text(R"({"action":"ping","clientTimestamp":1})");
    const auto e = read_until(c, "error");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->at("code").as_string(), "rate_limited");
  }
  // The server is fine afterwards.
  EXPECT_EQ(r.call("GET", "/healthz").status, 200);
}

TEST(broadcast, after_an_explicit_leave_the_next_join_is_a_new_player) {
  region_process r(db_url(), {"COUNTDOWN_MS=300", "PING_INTERVAL_MS=200", "RECONNECT_GRACE_MS=30000"});
  const std::string id(create(r, "{}").at("id").as_string());
  {
    ws_client c(r.port());
    c.send_text(join_msg(id, "leaver"));
    ASSERT_TRUE(read_until(c, "latency_status"));
    c.send_text(R"({"action":"leave"})");
    drain_until_closed(c);
    EXPECT_EQ(c.close_code(), 1000);
  }
  ws_client again(r.port());
  again.send_text(join_msg(id, "leaver"));
  const auto joined = read_until(again, "session_joined");
  ASSERT_TRUE(joined);
  EXPECT_FALSE(joined->at("resumed").as_bool());
}

TEST(broadcast, a_kicked_player_cannot_rejoin_before_the_cooldown_and_then_starts_afresh) {
  region_process r(
      db_url(), {"COUNTDOWN_MS=300", "PING_INTERVAL_MS=200", "UNRESPONSIVE_MS=600", "REJOIN_COOLDOWN_MS=2500", "RECONNECT_GRACE_MS=30000"});
  const std::string id(create(r, "{}").at("id").as_string());
  {
    ws_client c(r.port());
    c.send_text(join_msg(id, "kickme"));
    ASSERT_TRUE(read_until(c, "session_joined"));
    ASSERT_TRUE(wait_for([&] { return gone(r, id, "kickme"); }));  // silent: kicked as unresponsive
    ASSERT_TRUE(read_until(c, "kicked"));
  }
  const auto kicked_at = std::chrono::steady_clock::now();
  {
    ws_client c(r.port());
    c.send_text(join_msg(id, "kickme"));
    const auto e = read_until(c, "error");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->at("code").as_string(), "rejoin_cooldown");
    EXPECT_GT(e->at("retryAfterMs").as_int64(), 0);
    EXPECT_LE(e->at("retryAfterMs").as_int64(), 2500);
    drain_until_closed(c);
    EXPECT_EQ(c.close_code(), 4006);
  }
  // After the cool-down the player may join again, as a new player.
  std::optional<json::object> joined;
  while (!joined && std::chrono::steady_clock::now() - kicked_at < 10s) {
    ws_client c(r.port());
    c.send_text(join_msg(id, "kickme"));
    auto m = c.read();
    if (!m) continue;
    const json::object o = json::parse(m->data).as_object();
    if (o.at("type") == "session_joined") joined = o;
    if (o.at("type") == "error") {
      ASSERT_EQ(o.at("code").as_string(), "rejoin_cooldown");
      std::this_thread::sleep_for(std::chrono::milliseconds(o.at("retryAfterMs").as_int64()));  // the server says how long
    }
  }
  ASSERT_TRUE(joined);
  EXPECT_FALSE(joined->at("resumed").as_bool());
  EXPECT_GE(std::chrono::steady_clock::now() - kicked_at, 2s);
}

TEST(broadcast, shutdown_sends_a_close_frame_to_joined_and_never_joined_connections) {
  region_process r(db_url(), fast);
  const std::string id(create(r, "{}").at("id").as_string());
  ws_client joined(r.port()), idle(r.port());
  joined.send_text(join_msg(id, "j"));
  ASSERT_TRUE(read_until(joined, "session_joined"));
  idle.send_text(R"({"action":"dance"})");  // its refusal shows the server has the connection
  ASSERT_TRUE(read_until(idle, "error"));
  r.process().signal(SIGTERM);
  drain_until_closed(joined);
  drain_until_closed(idle);
  EXPECT_EQ(joined.close_code(), 1001);
  EXPECT_EQ(idle.close_code(), 1001);
  EXPECT_EQ(r.process().wait(10s), 0);
}

}  // namespace
}  // namespace metronome::test

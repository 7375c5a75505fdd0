// `metronome up` (edge + registry, regions eu/us/asia as children): seed
// 000's flow with curl through it, seed 002's registration example against
// it, and its children's lifetime.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "edge_fixture.hpp"
#include "ws_client.hpp"

namespace metronome::test {
namespace {

namespace json = boost::json;

/// A socket bound to 127.0.0.1:port (not listening), or -1.
int bind_port(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// A port P such that P, P+1 and P+2 were free a moment ago.
std::uint16_t three_free_ports() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::uint16_t p = free_port();
    if (p > 65000) continue;
    bool all = true;
    for (int i = 1; i < 3 && all; ++i) {
      const int fd = bind_port(static_cast<std::uint16_t>(p + i));
      all = fd >= 0;
      if (fd >= 0) ::close(fd);
    }
    if (all) return p;
  }
  throw std::runtime_error("no three consecutive free ports");
}

bool port_closed(std::uint16_t port) { return http_call(port, "GET", "/healthz").status == 0; }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A running `metronome up` on free ports.
struct up_process {
  std::uint16_t edge_port = free_port(), first_region_port = three_free_ports(), world_port = free_port();
  std::string dir = make_temp_dir("metronome-up-"), log = dir + "/up.log";
  child_process proc;

  explicit up_process(const std::vector<std::string>& env = {}, const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> args = {METRONOME_BIN,         "up",
                                     "--edge-port",         std::to_string(edge_port),
                                     "--first-region-port", std::to_string(first_region_port),
                                     "--data-dir",          dir + "/data",
                                     "--countdown-ms",      "1000",
                                     "--world-port",        std::to_string(world_port)};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    proc = child_process::spawn(args, env, log);
  }
  std::uint16_t region_port(int i) const { return static_cast<std::uint16_t>(first_region_port + i); }
  std::string edge_url() const { return "http://localhost:" + std::to_string(edge_port); }

  /// Waits for the banner and for the edge to report all three regions up.
  void wait_ready() {
    ASSERT_TRUE(eventually([&] { return read_file(log).find("Metronome is up.") != std::string::npos || !proc.running(); }, 40s))
        << read_file(log);
    ASSERT_TRUE(proc.running()) << read_file(log);
    std::string last;
    ASSERT_TRUE(eventually(
        [&] {
          const auto r = http_call(edge_port, "GET", "/api/regions");
          last = r.body;
          if (r.status != 200) return false;
          int up = 0;
          const json::value listed = json::parse(r.body);
          for (const auto& v : listed.at("regions").as_array()) up += v.at("status").as_string() == "up";
          return up == 3;
        },
        30s))
        << last << "\n"
        << read_file(log);
  }
};

TEST(edge_up, seed_000_flow_with_curl_through_metronome_up) {
  up_process up;
  up.wait_ready();
  if (HasFatalFailure()) return;

  // Start through the edge, as seed 000's frontend does.
  const auto started = run_curl({"-X", "POST", up.edge_url() + "/edge/game/start", "-H", "Content-Type: application/json", "-d",
                                 R"({"userId": "user123", "preferredRegion": "eu"})"});
  ASSERT_EQ(started.status, 201) << started.body;
  const auto g = json::parse(started.body).as_object();
  const std::string id = str_of(g, "gameId");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(g.at("seed").is_number()) << started.body;
  const std::int64_t start_at = g.at("startAt").as_int64();
  EXPECT_EQ(g.at("tickMs").as_int64(), 100);
  EXPECT_EQ(str_of(g, "backendRegion"), "eu");
  EXPECT_EQ(str_of(g, "wsEndpoint"), "ws://127.0.0.1:" + std::to_string(up.region_port(0)) + "/ws");
  const auto& rule = g.at("rule").as_object();
  ASSERT_EQ(str_of(rule, "name"), "lcg-counter") << started.body;

  // After the countdown, the region computes the counter ...
  curl_result state;
  ASSERT_TRUE(eventually(
      [&] {
        state = run_curl({"http://localhost:" + std::to_string(up.region_port(0)) + "/v1/sessions/" + id + "/state"});
        if (state.status != 200) return true;  // reported below
        const auto o = json::parse(state.body).as_object();
        return str_of(o, "phase") == "running" && o.at("step").as_int64() >= 1;
      },
      15s))
      << state.body;
  ASSERT_EQ(state.status, 200) << state.body;
  const auto st = json::parse(state.body).as_object();
  EXPECT_EQ(str_of(st, "phase"), "running") << state.body;
  EXPECT_GE(st.at("step").as_int64(), 1);

  // ... and `metronome state` computes the same, offline, from what the
  // edge returned.
  std::vector<std::string> args = {
      "state",  "--seed",     json::serialize(g.at("seed")), "--start-at", std::to_string(start_at), "--tick-ms", "100",
      "--rule", "lcg-counter"};
  if (const auto* p = rule.if_contains("break_probability")) args.insert(args.end(), {"--break-probability", json::serialize(*p)});
  auto at = args;
  at.insert(at.end(), {"--at", json::serialize(st.at("computed_at_ms"))});
  const auto offline = run_metronome(at);
  ASSERT_EQ(offline.exit_code, 0) << offline.output;
  const auto o = json::parse(offline.output).as_object();
  for (const char* k : {"phase", "step", "value", "round", "broken"}) EXPECT_EQ(o.at(k), st.at(k)) << k << ": " << offline.output;
  const auto now = run_metronome(args);
  ASSERT_EQ(now.exit_code, 0) << now.output;
  EXPECT_EQ(str_of(json::parse(now.output).as_object(), "phase"), "running") << now.output;

  // Exit through the edge without backendRegion.
  const auto exited = run_curl({"-X", "POST", up.edge_url() + "/edge/game/exit", "-H", "Content-Type: application/json", "-d",
                                R"({"gameId": ")" + id + R"(", "userId": "user123"})"});
  ASSERT_EQ(exited.status, 200) << exited.body;
  const auto e = json::parse(exited.body).as_object();
  EXPECT_TRUE(e.at("ok").as_bool());
  EXPECT_EQ(str_of(e, "backendRegion"), "eu");
  EXPECT_EQ(str_of(e, "status"), "exited");
  const auto after = run_curl({up.edge_url() + "/edge/sessions/" + id});
  EXPECT_EQ(str_of(json::parse(after.body).as_object(), "status"), "exited") << after.body;

  // Ctrl-C stops everything, cleanly.
  up.proc.signal(SIGINT);
  EXPECT_EQ(up.proc.wait(20s), 0) << read_file(up.log);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(port_closed(up.region_port(i))) << i;
  EXPECT_TRUE(port_closed(up.edge_port));
}

TEST(edge_up, seed_001_sequence_with_a_plain_websocket_client_through_metronome_up) {
  up_process up;
  up.wait_ready();
  if (HasFatalFailure()) return;
  // Start through the edge; the answer names the region's tick broadcaster.
  const auto started = http_call(up.edge_port, "POST", "/edge/game/start", R"({"userId":"user123","mode":"server"})");
  ASSERT_EQ(started.status, 201) << started.body;
  const auto g = json::parse(started.body).as_object();
  const std::string id = str_of(g, "gameId"), ws = str_of(g, "wsEndpoint");
  const std::string prefix = "ws://127.0.0.1:";
  ASSERT_EQ(ws.rfind(prefix, 0), 0u) << ws;
  const auto port = static_cast<std::uint16_t>(std::stoi(ws.substr(prefix.size())));

  // Connect, join, ping/pong, countdown, ticks: seed 001's sequence diagram.
  ws_client c(port);
  ASSERT_TRUE(c.connected());
  c.send_text(R"({"action":"join","sessionId":")" + id + R"(","userId":"user123"})");
  c.send_text(R"({"action":"ping","clientTimestamp":)" + std::to_string(now_ms()) + "}");
  std::map<std::string, int> seen;
  std::int64_t last_step = -1;
  const auto until = std::chrono::steady_clock::now() + 8s;
  while (seen["tick"] < 10 && std::chrono::steady_clock::now() < until) {
    const auto m = c.read(2s);
    ASSERT_TRUE(m) << "the broadcaster went quiet";
    const auto o = json::parse(m->data).as_object();
    const std::string type = str_of(o, "type");
    ++seen[type];
    if (type == "ping") {
      c.send_text(R"({"action":"pong","seq":)" + json::serialize(o.at("seq")) + R"(,"serverTimestamp":)" +
                  json::serialize(o.at("serverTimestamp")) + "}");
    }
    if (type == "tick") {
      EXPECT_GT(o.at("step").as_int64(), last_step);
      last_step = o.at("step").as_int64();
    }
  }
  EXPECT_EQ(seen["session_joined"], 1);
  EXPECT_EQ(seen["pong"], 1);
  EXPECT_GE(seen["countdown"], 1);
  EXPECT_GE(seen["tick"], 10);
  up.proc.signal(SIGINT);
  EXPECT_EQ(up.proc.wait(20s), 0) << read_file(up.log);
}

TEST(edge_up, exported_settings_do_not_leak_into_the_children_and_the_registry_token_can_be_given) {
  // Settings a user may well have exported (seed 002's .env has PORT and
  // REGION): each child still gets its own port and name.
  const std::string token = "up-registry-token";
  up_process up({"PORT=1", "REGION=mars", "HOST=0.0.0.0", "REGISTRY_TOKEN=" + token});
  up.wait_ready();
  if (HasFatalFailure()) return;
  const auto regions = json::parse(http_call(up.edge_port, "GET", "/api/regions").body).at("regions").as_array();
  ASSERT_EQ(regions.size(), 3u);
  const char* names[] = {"eu", "us", "asia"};
  for (int i = 0; i < 3; ++i) {
    const auto r = json::parse(http_call(up.region_port(i), "GET", "/healthz").body).as_object();
    EXPECT_EQ(str_of(r, "region"), names[i]) << i;
  }

  // Seed 002's registration example against it: refused without the token,
  // accepted with it.
  const std::vector<std::string> example = {"-X",
                                            "POST",
                                            up.edge_url() + "/api/regions/register",
                                            "-H",
                                            "Content-Type: application/json",
                                            "-d",
                                            R"({"region": "asia", "base_url": "http://localhost:8083"})"};
  EXPECT_EQ(run_curl(example).status, 401);
  auto with_token = example;
  with_token.insert(with_token.begin(), {"-H", "Authorization: Bearer " + token});
  const auto ok = run_curl(with_token);
  EXPECT_EQ(ok.status, 200) << ok.body;

  // kill -9 of `up` leaves no orphans: every child goes with it.
  up.proc.signal(SIGKILL);
  EXPECT_EQ(up.proc.wait(5s), 128 + SIGKILL);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(eventually([&] { return port_closed(up.region_port(i)); })) << i;
  EXPECT_TRUE(eventually([&] { return port_closed(up.edge_port); }));
  EXPECT_TRUE(eventually([&] { return port_closed(up.world_port); }));
}

TEST(edge_up, a_child_that_cannot_start_stops_up_at_once) {
  // us's port is taken (bound, not listening, so it does not look open).
  const std::uint16_t edge_port = free_port(), first = three_free_ports(), world_port = free_port();
  const int blocker = bind_port(static_cast<std::uint16_t>(first + 1));
  ASSERT_GE(blocker, 0);
  const std::string dir = make_temp_dir("metronome-up-");
  // A start deadline far beyond the wait below: up must act on the child's
  // exit, not on the deadline, however slowly a busy machine starts them.
  child_process up =
      child_process::spawn({METRONOME_BIN, "up", "--edge-port", std::to_string(edge_port), "--first-region-port", std::to_string(first),
                            "--data-dir", dir + "/data", "--start-timeout", "600", "--world-port", std::to_string(world_port)},
                           {}, dir + "/up.log");
  // It reports the child and stops the others; it does not wait out the
  // start deadline for the one that already exited.
  const int code = up.wait(60s);
  ::close(blocker);
  EXPECT_EQ(code, 1) << read_file(dir + "/up.log");
  const std::string log = read_file(dir + "/up.log");
  EXPECT_NE(log.find(R"("msg":"a process did not start","process":"us")"), std::string::npos) << log;
  EXPECT_TRUE(port_closed(edge_port));
  EXPECT_TRUE(port_closed(first));
  EXPECT_TRUE(port_closed(static_cast<std::uint16_t>(first + 2)));
  EXPECT_TRUE(port_closed(world_port));
}

}  // namespace
}  // namespace metronome::test

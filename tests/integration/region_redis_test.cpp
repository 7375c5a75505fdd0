// `metronome region` on standalone Redis and on a Redis Cluster, as processes:
// the data as docs/storage.md shows it, a store outage (503, degraded health,
// recovery by itself), and a cluster master killed mid-traffic.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "redis_servers.hpp"
#include "region_fixture.hpp"

namespace metronome::test {
namespace {

using namespace std::chrono_literals;

/// Polls until `pred` holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

TEST(region_redis, stores_sessions_where_redis_cli_can_see_them) {
  redis_standalone redis;
  region_process r(redis.url());
  const auto s = json_of(r.call("POST", "/game/start", R"({"userId":"carol"})"));
  const std::string id(s.at("gameId").as_string());
  EXPECT_EQ(r.call("GET", "/v1/sessions/" + id).status, 200);
  // docs/storage.md: the session is the hash mt:s:{<id>}.
  EXPECT_EQ(redis.server().cli({"HGET", "mt:s:{" + id + "}", "user_id"}), "carol");
  EXPECT_EQ(r.call("POST", "/game/exit", R"({"gameId":")" + id + R"(","userId":"carol"})").status, 200);
  EXPECT_EQ(redis.server().cli({"HGET", "mt:s:{" + id + "}", "status"}), "exited");
}

TEST(region_redis, answers_503_while_redis_is_down_and_recovers_by_itself) {
  redis_standalone redis;
  region_process r(redis.url(), {"STORE_TIMEOUT_MS=500"});
  const std::string id(json_of(r.call("POST", "/v1/sessions", "{}")).at("id").as_string());
  redis.server().stop();
  const auto refused = r.call("POST", "/v1/sessions", "{}");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(json_of(refused).at("error").as_object().at("code").as_string(), "unavailable");
  EXPECT_EQ(r.call("GET", "/v1/sessions/" + id).status, 503);
  EXPECT_TRUE(eventually([&] { return r.call("GET", "/healthz").status == 503; }, 5s));
  EXPECT_EQ(json_of(r.call("GET", "/healthz")).at("status").as_string(), "degraded");

  redis.server().start();  // same port, empty (no persistence in tests)
  EXPECT_TRUE(eventually([&] { return r.call("GET", "/healthz").status == 200; }, 10s));
  EXPECT_EQ(r.call("POST", "/v1/sessions", "{}").status, 201);
}

TEST(region_redis_cluster, loses_no_acknowledged_session_when_a_master_dies) {
  redis_cluster cluster;
  region_process r(cluster.url(), {"STORE_WAIT_REPLICA=true", "STORE_TIMEOUT_MS=1500"});
  // One active session per user holds across the cluster's slots.
  const auto first = json_of(r.call("POST", "/game/start", R"({"userId":"dana"})"));
  const auto again = r.call("POST", "/game/start", R"({"userId":"dana"})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json_of(again).at("gameId"), first.at("gameId"));

  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto c = std::make_unique<http_connection>(r.port());
    for (int i = 0; !stop; ++i) {
      const auto res = c->request("POST", "/game/start", R"({"userId":"w)" + std::to_string(i) + R"("})");
      if (res.status == 201) {
        std::lock_guard lock(mu);
        acknowledged.emplace_back(json_of(res).at("gameId").as_string());
      }
      if (res.status == 0) c = std::make_unique<http_connection>(r.port());  // the server closed it: reconnect
    }
  });
  auto acked = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };
  // Conditions, not fixed sleeps: traffic before the kill, and more after
  // the new topology is in place, each within a bound.
  auto wait_for_acks = [&](std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (acked() < n && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    return acked() >= n;
  };
  const bool before = wait_for_acks(50);
  cluster.node(0).kill();  // a master (nodes 0-2 start as masters)
  const bool ok = cluster.wait_until_ok(15s);
  const bool after = ok && wait_for_acks(acked() + 50);  // traffic continues on the new topology
  stop = true;
  writer.join();
  ASSERT_TRUE(before) << "fewer than 50 sessions acknowledged before the kill";
  ASSERT_TRUE(ok) << "the cluster did not recover";
  ASSERT_TRUE(after) << "fewer than 50 sessions acknowledged after the failover";
  std::size_t missing = 0;
  for (const auto& id : acknowledged) missing += r.call("GET", "/v1/sessions/" + id).status != 200;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged sessions";
}

}  // namespace
}  // namespace metronome::test

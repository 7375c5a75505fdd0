// `metronome region` on standalone Redis and on a Redis Cluster, as processes:
// the data as docs/storage.md shows it, a store outage (503, degraded health,
// recovery by itself), and a cluster master killed mid-traffic.
#include <gtest/gtest.h>

#include <atomic>
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
    std::this_thread::sleep_for(100ms);  // the poll interval of a bounded wait
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

  std::vector<std::string> acknowledged;  // written by the writer thread until it is joined
  std::atomic<std::size_t> acked{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto c = std::make_unique<http_connection>(r.port());
    for (int i = 0; !stop; ++i) {
      const auto res = c->request("POST", "/game/start", R"({"userId":"w)" + std::to_string(i) + R"("})");
      if (res.status == 201) {
        acknowledged.emplace_back(json_of(res).at("gameId").as_string());
        ++acked;
      }
      if (res.status == 0) c = std::make_unique<http_connection>(r.port());  // the server closed it: reconnect
    }
  });
  // Traffic flows before the kill, and again on the new topology after it.
  // After the failover the promoted master has no replica, so writes to its
  // slots fail their WAIT and only the other masters' succeed: slower.
  const bool before = eventually([&] { return acked.load() > 50; }, 30s);
  cluster.node(0).kill();  // a master (nodes 0-2 start as masters)
  const bool recovered = cluster.wait_until_ok(15s);
  const std::size_t at_recovery = acked.load();
  const bool after = recovered && eventually([&] { return acked.load() >= at_recovery + 5; }, 30s);
  stop = true;
  writer.join();
  ASSERT_TRUE(before) << "sessions acknowledged before the kill: " << at_recovery;
  ASSERT_TRUE(recovered);
  ASSERT_TRUE(after) << "sessions acknowledged after the failover: " << acked.load() - at_recovery;
  ASSERT_GT(acknowledged.size(), 50u);
  std::size_t missing = 0;
  for (const auto& id : acknowledged) missing += r.call("GET", "/v1/sessions/" + id).status != 200;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged sessions";
}

}  // namespace
}  // namespace metronome::test

// The region registry on Redis (src/store/registry/redis_registry.cpp),
// against a real standalone Redis and a real Redis Cluster, and against a
// fake server whose answer is a malformed MOVED redirection: the
// registry must fail the operation, never follow it to port 0.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "metronome/store/registry_store.hpp"
#include "redis_fake_server.hpp"
#include "redis_servers.hpp"

namespace metronome::store {
namespace {

using namespace std::chrono_literals;

template <class T>
result<T> wait_for(const std::function<void(callback<T>)>& op) {
  auto p = std::make_shared<std::promise<result<T>>>();
  auto f = p->get_future();
  op([p](result<T> r) { p->set_value(std::move(r)); });
  if (f.wait_for(10s) != std::future_status::ready) return make_error(errc::timeout, "no answer within 10 s");
  return f.get();
}

result<region_record> upsert(registry_store& r, region_record rec) {
  return wait_for<region_record>([&](callback<region_record> done) { r.upsert_region(rec, std::move(done)); });
}

result<std::vector<region_record>> list(registry_store& r) {
  return wait_for<std::vector<region_record>>([&](callback<std::vector<region_record>> done) { r.list_regions(std::move(done)); });
}

void registry_contract(registry_store& reg) {
  auto eu = upsert(reg, {"eu", "http://127.0.0.1:8081", "ws://127.0.0.1:9081/ws", 0, 1000});
  ASSERT_TRUE(eu) << eu.error().message;
  EXPECT_EQ(eu->registered_at_ms, 1000);
  ASSERT_TRUE(upsert(reg, {"asia", "http://127.0.0.1:8083", "", 0, 1500}));
  // A heartbeat moves last_seen and the URLs, and keeps registered_at.
  auto again = upsert(reg, {"eu", "http://127.0.0.1:8091", "", 0, 2000});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->registered_at_ms, 1000);
  auto all = list(reg);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], (region_record{"asia", "http://127.0.0.1:8083", "", 1500, 1500}));
  EXPECT_EQ((*all)[1], (region_record{"eu", "http://127.0.0.1:8091", "", 1000, 2000}));
}

TEST(redis_registry, keeps_regions_in_standalone_redis) {
  test::redis_standalone redis;
  auto reg = make_registry_store(redis.url());
  ASSERT_TRUE(reg) << reg.error().message;
  registry_contract(**reg);
  EXPECT_NE(redis.server().cli({"HGET", "mt:regions", "eu"}).find("http://127.0.0.1:8091"), std::string::npos);
}

TEST(redis_registry, keeps_regions_in_a_cluster_following_redirections) {
  test::redis_cluster cluster;
  // Seeded with every node: most of them do not own mt:regions' slot, so
  // the first request to one of them is redirected.
  auto reg = make_registry_store(cluster.url());
  ASSERT_TRUE(reg) << reg.error().message;
  registry_contract(**reg);
}

TEST(redis_registry, a_stored_value_that_does_not_decode_is_left_out) {
  test::redis_standalone redis;
  auto reg = make_registry_store(redis.url());
  ASSERT_TRUE(reg);
  ASSERT_TRUE(upsert(**reg, {"eu", "http://127.0.0.1:8081", "", 0, 1000}));
  redis.server().cli({"HSET", "mt:regions", "bad", "http://x:1\n\nnot-a-number\n5"});
  auto all = list(**reg);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().name, "eu");
}

TEST(redis_registry, a_malformed_moved_reply_fails_the_operation_instead_of_naming_port_0) {
  for (const std::string bad :
       {"-MOVED 1234 127.0.0.1:notaport\r\n", "-MOVED 1234 127.0.0.1:0\r\n", "-MOVED 1234 127.0.0.1:70000\r\n", "-MOVED 1234\r\n"}) {
    // The fake answers the first request of each connection, so each
    // operation gets a registry (and a connection) of its own.
    testing::fake_server fake(bad);
    const std::string url = "redis://127.0.0.1:" + std::to_string(fake.port());
    store_options opts;
    opts.timeout = 2000ms;
    opts.connections = 1;
    auto for_upsert = make_registry_store(url, opts);
    auto for_list = make_registry_store(url, opts);
    ASSERT_TRUE(for_upsert && for_list);
    const auto started = std::chrono::steady_clock::now();
    auto r = upsert(**for_upsert, {"eu", "http://127.0.0.1:8081", "", 0, 1000});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::internal) << bad << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("MOVED"), std::string::npos) << r.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms) << "failed at once, not by timing out";
    auto l = list(**for_list);
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code, errc::internal) << l.error().message;
  }
}

}  // namespace
}  // namespace metronome::store

// Redis Cluster specifics against a real 3-master + 3-replica cluster:
// following -MOVED and -ASK while a slot migrates, and a master killed mid-
// traffic with wait_for_replica on: no acknowledged session may be lost.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "metronome/store/backends.hpp"
#include "redis_servers.hpp"
#include "sync_store.hpp"

namespace metronome::store {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

using namespace metronome::store::testing;

// Redis Cluster's key slot (CRC16-XMODEM of the hash tag), to pick ids that
// land in a chosen slot. Cross-checked against CLUSTER KEYSLOT below.
int slot_of(std::string_view key) {
  const auto open = key.find('{');
  if (open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) key = key.substr(open + 1, close - open - 1);
  }
  unsigned crc = 0;
  for (const char ch : key) {
    crc ^= static_cast<unsigned>(static_cast<unsigned char>(ch)) << 8;
    for (int b = 0; b < 8; ++b) crc = (crc & 0x8000u) != 0 ? ((crc << 1) ^ 0x1021u) & 0xffffu : (crc << 1) & 0xffffu;
  }
  return static_cast<int>(crc & 16383u);
}

std::string id_in_slot(int slot, const std::string& prefix) {
  for (int i = 0;; ++i) {
    std::string id = prefix + std::to_string(i);
    if (slot_of("mt:s:{" + id + "}") == slot) return id;
  }
}

std::vector<host_port> seeds_of(test::redis_cluster& c) {
  std::vector<host_port> seeds;
  for (auto port : c.ports()) seeds.push_back({"127.0.0.1", port});
  return seeds;
}

long long error_count(std::uint16_t port, const std::string& error) {
  // errorstat_MOVED:count=3
  const std::string v = test::redis_info(port, "errorstats", "errorstat_" + error);
  const auto eq = v.find('=');
  return eq == std::string::npos ? 0 : std::stoll(v.substr(eq + 1));
}

TEST(redis_cluster, follows_ask_and_moved_while_a_slot_migrates) {
  test::redis_cluster cluster;
  const std::string old_id = "m-old";
  const int slot = slot_of("mt:s:{" + old_id + "}");
  ASSERT_EQ(cluster.key_slot("mt:s:{" + old_id + "}"), slot);
  const int source = cluster.master_of_slot(slot);
  ASSERT_GE(source, 0);
  // The target: a master that does not own the slot.
  int target = -1;
  for (int s : {0, 8000, 16000}) {
    const int owner = cluster.master_of_slot(s);
    if (owner != source) target = owner;
  }
  ASSERT_GE(target, 0);
  auto& src = cluster.node(static_cast<std::size_t>(source));
  auto& dst = cluster.node(static_cast<std::size_t>(target));
  const std::string src_id = cluster.node_id(static_cast<std::size_t>(source));
  const std::string dst_id = cluster.node_id(static_cast<std::size_t>(target));

  // The first seed is a dead address: the store must find the map elsewhere.
  std::vector<host_port> seeds{{"127.0.0.1", test::free_port()}};
  for (auto& s : seeds_of(cluster)) seeds.push_back(s);
  auto store = make_redis_cluster_store(seeds, {});
  sync_store s{*store};
  ASSERT_TRUE(s.create(make_record(old_id, "mia")));

  // Migration under way: keys not yet moved are -ASK'ed to the target.
  const std::string slot_text = std::to_string(slot);
  ASSERT_EQ(dst.cli({"CLUSTER", "SETSLOT", slot_text, "IMPORTING", src_id}), "OK");
  ASSERT_EQ(src.cli({"CLUSTER", "SETSLOT", slot_text, "MIGRATING", dst_id}), "OK");
  const std::string new_id = id_in_slot(slot, "m-new-");
  auto created = s.create(make_record(new_id, "mia"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_GE(error_count(src.port(), "ASK"), 1);
  auto old_during = s.get(old_id);  // still on the source: served there
  ASSERT_TRUE(old_during) << old_during.error().message;

  // Finish: move the remaining keys, then hand the slot over everywhere.
  std::istringstream keys(src.cli({"CLUSTER", "GETKEYSINSLOT", slot_text, "100"}));
  std::vector<std::string> migrate{"MIGRATE", "127.0.0.1", std::to_string(dst.port()), "", "0", "5000", "KEYS"};
  bool new_on_source = false;
  for (std::string k; std::getline(keys, k);) {
    if (!k.empty()) migrate.push_back(k);
    if (k == "mt:s:{" + new_id + "}") new_on_source = true;
  }
  EXPECT_FALSE(new_on_source) << "the session created during the migration must live on the importing node";
  ASSERT_GT(migrate.size(), 7u);
  ASSERT_EQ(src.cli(migrate), "OK");
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    if (test::redis_info(cluster.node(i).port(), "replication", "role") == "master") {
      cluster.node(i).cli({"CLUSTER", "SETSLOT", slot_text, "NODE", dst_id});
    }
  }
  // The store's map is stale now: the source answers -MOVED.
  const long long moved_before = error_count(src.port(), "MOVED");
  auto old_after = s.get(old_id);
  ASSERT_TRUE(old_after) << old_after.error().message;
  EXPECT_EQ(old_after->id, old_id);
  auto new_after = s.get(new_id);
  ASSERT_TRUE(new_after) << new_after.error().message;
  EXPECT_GE(error_count(src.port(), "MOVED"), moved_before + 1);
  EXPECT_TRUE(s.end(end_request{.id = old_id, .to = session_status::stopped, .owner = "mia", .at_ms = 5}));
  auto listed = s.list("mia", 10);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->sessions.size(), 2u);
}

TEST(redis_cluster, master_failover_loses_no_acknowledged_session) {
  test::redis_cluster cluster;
  store_options options;
  options.wait_for_replica = true;
  options.timeout = 2s;
  auto store = make_redis_cluster_store(seeds_of(cluster), options);

  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::atomic<int> next{0};
  // Writers: a bounded number of creates in flight, continuously.
  auto writer = [&] {
    while (!stop) {
      std::vector<std::pair<std::string, std::future<result<create_outcome>>>> batch;
      for (int i = 0; i < 16; ++i) {
        std::string id = "f-" + std::to_string(next++);
        auto p = std::make_shared<std::promise<result<create_outcome>>>();
        batch.emplace_back(id, p->get_future());
        store->create(make_record(id, "user-" + id), {}, [p](result<create_outcome> r) { p->set_value(std::move(r)); });
      }
      for (auto& [id, f] : batch) {
        ASSERT_EQ(f.wait_for(10s), std::future_status::ready) << "a create never completed";
        auto r = f.get();
        if (r && r->created) {
          std::lock_guard lock(mu);
          acknowledged.push_back(id);
        } else {
          ++failures;
        }
      }
    }
  };
  auto acked = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };
  // Waits (bounded) until `n` creates in all have been acknowledged by a
  // replica: on a loaded machine the first WAIT 1 can take seconds.
  auto wait_for_acks = [&](std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = steady::now() + timeout;
    while (acked() < n && steady::now() < deadline) std::this_thread::sleep_for(10ms);
    return acked() >= n;
  };
  constexpr std::size_t traffic = 64;  // acknowledged creates wanted before the kill and after recovery
  std::thread w1(writer), w2(writer);
  const bool traffic_before = wait_for_acks(traffic, 30s);
  const int victim = cluster.master_of_slot(0);
  const std::size_t acked_before_kill = acked();
  if (!traffic_before || victim < 0) {
    stop = true;
    w1.join();
    w2.join();
    FAIL() << "before the kill: " << acked_before_kill << " acknowledged in 30 s, " << failures.load() << " failed; victim " << victim;
  }
  cluster.node(static_cast<std::size_t>(victim)).kill();  // SIGKILL mid-traffic
  const auto killed = steady::now();
  ASSERT_TRUE(cluster.wait_until_ok(15s)) << "the replica was not promoted";
  const auto promoted_ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - killed).count();
  // Bring the old master back: it rejoins as the new master's replica, so
  // WAIT 1 can succeed again for the failed-over slots.
  cluster.node(static_cast<std::size_t>(victim)).start();
  ASSERT_TRUE(cluster.wait_until_replicas_linked(3, 15s));
  const std::size_t acked_at_recovery = acked();
  const bool traffic_after = wait_for_acks(acked_at_recovery + traffic, 30s);  // the store works again
  stop = true;
  w1.join();
  w2.join();

  std::printf("[ failover ] promoted after %lld ms; %zu acknowledged (%zu before the kill, %zu after recovery), %d failed\n",
              static_cast<long long>(promoted_ms), acknowledged.size(), acked_before_kill, acknowledged.size() - acked_at_recovery,
              failures.load());
  EXPECT_GE(acked_before_kill, traffic);
  EXPECT_TRUE(traffic_after) << "the store must work again after the failover: " << acknowledged.size() - acked_at_recovery
                             << " acknowledged in 30 s after recovery";

  // Every acknowledged session is readable, through a fresh store too.
  store_options check;
  check.max_in_flight = acknowledged.size() + 16;  // all reads at once
  auto fresh = make_redis_cluster_store(seeds_of(cluster), check);
  std::atomic<int> missing{0};
  std::atomic<int> left{static_cast<int>(acknowledged.size())};
  std::promise<void> all;
  if (acknowledged.empty()) all.set_value();
  for (const auto& id : acknowledged) {
    fresh->get(id, [&, id](result<session_record> r) {
      if (!r || r->id != id) {
        ++missing;
        ADD_FAILURE() << "acknowledged session " << id << " lost: " << (r ? "wrong record" : r.error().message);
      }
      if (--left == 0) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(missing.load(), 0);
}

}  // namespace
}  // namespace metronome::store

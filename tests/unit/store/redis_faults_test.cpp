// Standalone Redis under faults: a server that never answers, one that
// answers garbage, Redis down at start, Redis stopped and restarted,
// shutdown with requests pending, and WAIT with and without a replica.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "metronome/store/backends.hpp"
#include "redis_fake_server.hpp"
#include "redis_servers.hpp"
#include "sync_store.hpp"

namespace metronome::store {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

using namespace metronome::store::testing;

long long ms_since(steady::time_point t) {
  return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t).count());
}

TEST(redis_faults, silent_server_times_out_every_operation_within_the_bound) {
  fake_server silent;
  store_options options;
  options.timeout = 300ms;
  auto store = make_redis_store({"127.0.0.1", silent.port()}, options);
  sync_store s{*store};
  const auto start = steady::now();
  // Many at once, of every kind; each must come back with timeout.
  std::vector<std::future<std::optional<errc>>> results;
  for (int i = 0; i < 50; ++i) {
    results.push_back(std::async(std::launch::async, [&s, i]() -> std::optional<errc> {
      switch (i % 5) {
        case 0: return code_of(s.get("x"));
        case 1: return code_of(s.create(make_record("id" + std::to_string(i), "u"), true));
        case 2: return code_of(s.end(end_request{.id = "x", .to = session_status::stopped, .owner = std::nullopt, .at_ms = 1}));
        case 3: return code_of(s.list("u", 10));
        default: return code_of(s.ping());
      }
    }));
  }
  for (auto& r : results) EXPECT_EQ(r.get(), errc::timeout);
  const auto elapsed = ms_since(start);
  EXPECT_GE(elapsed, 290);
  // An upper bound far from "never" and loose enough for 50 threads on a
  // machine busy with a build: the point is that every operation ends.
  EXPECT_LT(elapsed, 300 + 2000) << "operations must end near options.timeout, not hang";
  EXPECT_GE(silent.accepted(), 1);
}

TEST(redis_faults, garbage_reply_is_internal_not_a_crash) {
  fake_server liar("!this is not RESP\r\n");
  store_options options;
  options.timeout = 1s;
  auto store = make_redis_store({"127.0.0.1", liar.port()}, options);
  sync_store s{*store};
  auto r = s.get("x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::internal) << r.error().message;
}

TEST(redis_faults, store_started_before_redis_works_once_redis_is_up) {
  const std::uint16_t port = test::free_port();
  store_options options;
  options.timeout = 1s;
  auto store = make_redis_store({"127.0.0.1", port}, options);
  sync_store s{*store};
  const auto start = steady::now();
  EXPECT_EQ(code_of(s.ping()), errc::unavailable);
  EXPECT_EQ(code_of(s.get("x")), errc::unavailable);
  EXPECT_LT(ms_since(start), 1000) << "a refused connection fails fast, not at the timeout";

  const std::string dir = test::make_temp_dir("metronome-redis-late-");
  test::redis_server late(dir, port, {});
  late.start();
  const auto up = steady::now();
  bool ok = false;
  while (!ok && ms_since(up) < 3000) {
    ok = s.create(make_record("late", "u")).has_value();
    if (!ok) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(ok);
  EXPECT_LT(ms_since(up), 1500) << "reconnect backoff is capped at 500 ms";
  EXPECT_TRUE(s.get("late"));
  late.stop();
  std::filesystem::remove_all(dir);
}

TEST(redis_faults, stopped_redis_is_unavailable_and_restart_recovers) {
  test::redis_standalone redis;
  store_options options;
  options.timeout = 1s;
  auto store = make_redis_store({"127.0.0.1", redis.port()}, options);
  sync_store s{*store};
  ASSERT_TRUE(s.create(make_record("before", "u")));
  redis.server().stop();
  for (int i = 0; i < 3; ++i) {
    const auto start = steady::now();
    EXPECT_EQ(code_of(s.get("before")), errc::unavailable);
    EXPECT_LT(ms_since(start), 1000);
  }
  redis.server().start();
  const auto up = steady::now();
  bool ok = false;
  while (!ok && ms_since(up) < 3000) {
    ok = s.create(make_record("after", "u")).has_value();
    if (!ok) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(ok);
  auto got = s.get("after");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, "after");
}

TEST(redis_faults, destructor_completes_pending_callbacks_with_unavailable) {
  fake_server silent;
  store_options options;
  options.timeout = 20s;
  auto store = make_redis_store({"127.0.0.1", silent.port()}, options);
  constexpr int n = 100;
  std::atomic<int> unavailable{0};
  std::atomic<int> calls{0};
  for (int i = 0; i < n; ++i) {
    store->get("x", [&](result<session_record> r) {
      ++calls;
      if (!r && r.error().code == errc::unavailable) ++unavailable;
    });
  }
  std::this_thread::sleep_for(50ms);  // let them reach the socket
  const auto start = steady::now();
  store.reset();
  EXPECT_LT(ms_since(start), 1000);
  EXPECT_EQ(calls.load(), n);
  EXPECT_EQ(unavailable.load(), n);
}

TEST(redis_faults, wait_for_replica_needs_a_replica) {
  test::redis_standalone primary;
  store_options options;
  // WAIT gets half the time left (1.5 s): ample for Redis's "0 replicas" to
  // arrive before the operation's own deadline on a machine busy with a
  // build, so the refusal is the store's "unavailable", not a timeout.
  options.timeout = 3000ms;
  options.wait_for_replica = true;
  auto store = make_redis_store({"127.0.0.1", primary.port()}, options);
  sync_store s{*store};
  const auto start = steady::now();
  EXPECT_EQ(code_of(s.create(make_record("w1", "u"))), errc::unavailable);
  EXPECT_LT(ms_since(start), 3000 + 500);

  // With a replica attached the same write is acknowledged.
  const std::string dir = test::make_temp_dir("metronome-redis-replica-");
  test::redis_server replica(dir, test::free_port(), {"--replicaof", "127.0.0.1", std::to_string(primary.port())});
  replica.start();
  // WAIT counts the replicas the primary lists online, which can come after
  // the replica reports its link up: wait for the primary's own view, then
  // for one write acknowledged (each try is bounded by the 3 s timeout).
  ASSERT_TRUE(test::wait_for_online_replicas(primary.port(), 1, 20s)) << "the primary never listed its replica online";
  const auto linked = steady::now();
  bool probe_acknowledged = false;
  for (int i = 0; !probe_acknowledged && ms_since(linked) < 20000; ++i) {
    auto probe = s.create(make_record("probe-" + std::to_string(i), "p" + std::to_string(i)));
    probe_acknowledged = probe && probe->created;
  }
  ASSERT_TRUE(probe_acknowledged) << "no write was acknowledged by the replica within 20 s";
  auto created = s.create(make_record("w2", "u"), true);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_TRUE(created->created);
  auto ended = s.end(end_request{.id = "w2", .to = session_status::stopped, .owner = std::nullopt, .at_ms = 9});
  ASSERT_TRUE(ended) << ended.error().message;
  EXPECT_EQ(test::redis_cli(replica.port(), {"HGET", "mt:s:{w2}", "status"}), "stopped");
  replica.stop();
  std::filesystem::remove_all(dir);
}

TEST(redis_faults, cluster_store_without_a_reachable_node_fails_within_the_bound) {
  store_options options;
  options.timeout = 400ms;
  {
    // Nothing listens: refused at once, so the answer comes before the timeout.
    auto store = make_redis_cluster_store({{"127.0.0.1", test::free_port()}, {"127.0.0.1", test::free_port()}}, options);
    sync_store s{*store};
    const auto start = steady::now();
    EXPECT_EQ(code_of(s.get("x")), errc::unavailable);
    EXPECT_EQ(code_of(s.create(make_record("x", "u"))), errc::unavailable);
    EXPECT_EQ(code_of(s.ping()), errc::unavailable);
    EXPECT_LT(ms_since(start), 3 * 400);
  }
  {
    // A seed that accepts and never answers: no hang either.
    fake_server silent;
    auto store = make_redis_cluster_store({{"127.0.0.1", silent.port()}}, options);
    sync_store s{*store};
    const auto start = steady::now();
    const auto code = code_of(s.get("x"));
    EXPECT_TRUE(code == errc::unavailable || code == errc::timeout);
    EXPECT_LT(ms_since(start), 400 + 2000);
  }
}

}  // namespace
}  // namespace metronome::store

// The session_store contract, run against a real standalone Redis and a real
// 3-master + 3-replica Redis Cluster (same tests, one parameter). Servers
// are started per test by tests/support/redis_servers.hpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "metronome/store/backends.hpp"
#include "redis_servers.hpp"
#include "sync_store.hpp"

namespace metronome::store {
namespace {

using namespace std::chrono_literals;

using namespace metronome::store::testing;

enum class backend { standalone, cluster };

class redis_store_suite : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override {
    if (GetParam() == backend::standalone) {
      standalone_ = std::make_unique<test::redis_standalone>();
    } else {
      cluster_ = std::make_unique<test::redis_cluster>();
    }
    store_ = make_store({});
  }

  std::unique_ptr<session_store> make_store(store_options options) {
    if (standalone_) return make_redis_store({"127.0.0.1", standalone_->port()}, options);
    std::vector<host_port> seeds;
    for (auto port : cluster_->ports()) seeds.push_back({"127.0.0.1", port});
    return make_redis_cluster_store(seeds, options);
  }

  // A command through redis-cli, following redirections in a cluster.
  std::string raw(const std::vector<std::string>& args) {
    if (standalone_) return test::redis_cli(standalone_->port(), args);
    return test::redis_cli(cluster_->ports().front(), args, true);
  }

  std::vector<std::uint16_t> master_ports() {
    if (standalone_) return {standalone_->port()};
    std::vector<std::uint16_t> out;
    for (auto port : cluster_->ports()) {
      if (test::redis_info(port, "replication", "role") == "master") out.push_back(port);
    }
    return out;
  }

  long long sum_over_masters(const std::string& section, const std::string& field) {
    long long total = 0;
    for (auto port : master_ports()) total += std::stoll(test::redis_info(port, section, field));
    return total;
  }

  long long sum_over_masters_errors(const std::string& error) {
    long long total = 0;
    for (auto port : master_ports()) {
      const std::string v = test::redis_info(port, "errorstats", "errorstat_" + error);  // count=N,...
      const auto eq = v.find('=');
      if (eq != std::string::npos) total += std::stoll(v.substr(eq + 1));
    }
    return total;
  }

  long long total_keys() {
    long long total = 0;
    for (auto port : master_ports()) total += std::stoll(test::redis_cli(port, {"DBSIZE"}));
    return total;
  }

  std::unique_ptr<test::redis_standalone> standalone_;
  std::unique_ptr<test::redis_cluster> cluster_;
  std::unique_ptr<session_store> store_;
};

TEST_P(redis_store_suite, creates_and_reads_back_every_field) {
  EXPECT_EQ(store_->kind(), GetParam() == backend::standalone ? "redis" : "redis-cluster");
  sync_store s{*store_};
  session_record r = make_record("11111111-2222-4333-8444-555555555555", "alice");
  r.mode = session_mode::server;
  r.commitment = std::string(64, 'a');
  r.salt = "00ff";
  r.metadata_json = R"({"k":"v with spaces and \"quotes\" and {braces}"})";
  r.key_digest = std::string(64, 'd');
  auto created = s.create(r);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->record, r);
  auto got = s.get(r.id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, r);

  // Ids and users with hash-tag characters still work (they are escaped).
  session_record odd = make_record("{weird}%id", "}user{");
  ASSERT_TRUE(s.create(odd));
  auto odd_got = s.get(odd.id);
  ASSERT_TRUE(odd_got);
  EXPECT_EQ(*odd_got, odd);
  auto odd_page = s.list("}user{", 10);
  ASSERT_TRUE(odd_page);
  ASSERT_EQ(odd_page->sessions.size(), 1u);
  EXPECT_EQ(odd_page->sessions[0].id, odd.id);
  EXPECT_TRUE(s.ping());
}

TEST_P(redis_store_suite, duplicate_id_is_a_conflict_and_changes_nothing) {
  sync_store s{*store_};
  session_record first = make_record("dup", "alice");
  ASSERT_TRUE(s.create(first));
  session_record second = make_record("dup", "bob", 1'800'000'000'000);
  EXPECT_EQ(code_of(s.create(second)), errc::conflict);
  EXPECT_EQ(code_of(s.create(second, true)), errc::conflict);
  auto got = s.get("dup");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, first);
  auto bobs = s.list("bob", 10);
  ASSERT_TRUE(bobs);
  EXPECT_TRUE(bobs->sessions.empty());
}

TEST_P(redis_store_suite, missing_session_is_not_found) {
  sync_store s{*store_};
  EXPECT_EQ(code_of(s.get("nope")), errc::not_found);
  EXPECT_EQ(code_of(s.end(end_request{.id = "nope", .to = session_status::stopped, .owner = std::nullopt, .at_ms = 5})), errc::not_found);
  EXPECT_EQ(code_of(s.create(make_record("", "alice"))), errc::invalid_argument);
}

TEST_P(redis_store_suite, end_is_a_one_time_transition) {
  sync_store s{*store_};
  ASSERT_TRUE(s.create(make_record("e1", "alice")));
  auto ended = s.end(end_request{.id = "e1", .to = session_status::stopped, .owner = std::nullopt, .at_ms = 1000});
  ASSERT_TRUE(ended) << ended.error().message;
  EXPECT_TRUE(ended->changed);
  EXPECT_EQ(ended->record.status, session_status::stopped);
  EXPECT_EQ(ended->record.ended_at_ms, 1000);

  auto again = s.end(end_request{.id = "e1", .to = session_status::exited, .owner = std::nullopt, .at_ms = 2000});
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(again->record.status, session_status::stopped);
  EXPECT_EQ(again->record.ended_at_ms, 1000);  // the first end time stays

  auto got = s.get("e1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, session_status::stopped);
  EXPECT_EQ(got->ended_at_ms, 1000);

  ASSERT_TRUE(s.create(make_record("e2", "alice")));
  auto exited = s.end(end_request{.id = "e2", .to = session_status::exited, .owner = "alice", .at_ms = 3000});
  ASSERT_TRUE(exited);
  EXPECT_TRUE(exited->changed);
  EXPECT_EQ(exited->record.status, session_status::exited);
}

TEST_P(redis_store_suite, move_region_is_a_compare_and_set_on_running_and_the_old_region) {
  sync_store s{*store_};
  session_record r = make_record("mv1", "alice");
  r.region = "eu";
  ASSERT_TRUE(s.create(r));
  auto move = [&](std::string id, std::string from, std::string to) {
    return testing::wait_for<session_record>([&](callback<session_record> cb) {
      store_->move_region({.id = std::move(id), .from = std::move(from), .to = std::move(to)}, std::move(cb));
    });
  };
  auto moved = move("mv1", "eu", "us");
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  EXPECT_EQ(moved->region, "us");
  EXPECT_EQ(s.get("mv1")->region, "us");
  EXPECT_EQ(code_of(move("mv1", "eu", "asia")), errc::conflict);
  EXPECT_EQ(s.get("mv1")->region, "us");
  ASSERT_TRUE(s.end({.id = "mv1", .owner = std::nullopt, .at_ms = 5}));
  EXPECT_EQ(code_of(move("mv1", "us", "eu")), errc::conflict);
  EXPECT_EQ(s.get("mv1")->region, "us");
  EXPECT_EQ(code_of(move("nope", "eu", "us")), errc::not_found);
}

TEST_P(redis_store_suite, end_checks_owner_and_target_status) {
  sync_store s{*store_};
  ASSERT_TRUE(s.create(make_record("o1", "alice")));
  EXPECT_EQ(code_of(s.end(end_request{.id = "o1", .to = session_status::stopped, .owner = "mallory", .at_ms = 1})), errc::forbidden);
  EXPECT_EQ(code_of(s.end(end_request{.id = "o1", .to = session_status::running, .owner = std::nullopt, .at_ms = 1})),
            errc::invalid_argument);
  auto got = s.get("o1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, session_status::running);
  EXPECT_FALSE(got->ended_at_ms.has_value());
  auto ok = s.end(end_request{.id = "o1", .to = session_status::stopped, .owner = "alice", .at_ms = 7});
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->changed);
  // Once ended, a stranger is still forbidden (learns nothing).
  EXPECT_EQ(code_of(s.end(end_request{.id = "o1", .to = session_status::stopped, .owner = "mallory", .at_ms = 9})), errc::forbidden);
}

TEST_P(redis_store_suite, one_active_per_user_returns_the_running_session) {
  sync_store s{*store_};
  session_record a = make_record("a", "alice", 1000);
  auto first = s.create(a, true);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->created);

  auto second = s.create(make_record("b", "alice", 2000), true);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->record, a);
  EXPECT_EQ(code_of(s.get("b")), errc::not_found);  // nothing of the loser is left

  // Another user is unaffected; without the policy a second session is fine.
  auto bob = s.create(make_record("c", "bob", 3000), true);
  ASSERT_TRUE(bob);
  EXPECT_TRUE(bob->created);
  auto extra = s.create(make_record("d", "alice", 4000), false);
  ASSERT_TRUE(extra);
  EXPECT_TRUE(extra->created);

  ASSERT_TRUE(s.end(end_request{.id = "a", .to = session_status::stopped, .owner = std::nullopt, .at_ms = 5000}));
  auto after_end = s.create(make_record("e", "alice", 6000), true);
  ASSERT_TRUE(after_end);
  EXPECT_TRUE(after_end->created);
  EXPECT_EQ(after_end->record.id, "e");
}

TEST_P(redis_store_suite, dangling_active_pointer_counts_as_free) {
  sync_store s{*store_};
  ASSERT_TRUE(s.create(make_record("p1", "alice", 1000), true));
  // The pointed-to session vanished (e.g. lost): the pointer is stale.
  raw({"DEL", "mt:s:{p1}"});
  auto next = s.create(make_record("p2", "alice", 2000), true);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_TRUE(next->created);
  EXPECT_EQ(raw({"GET", "mt:u:{alice}:active"}), "p2");

  // Ended behind the pointer's back (a crash between end's two steps).
  raw({"HSET", "mt:s:{p2}", "status", "stopped", "ended_at_ms", "3000"});
  auto third = s.create(make_record("p3", "alice", 4000), true);
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_TRUE(third->created);
  EXPECT_EQ(raw({"GET", "mt:u:{alice}:active"}), "p3");
}

TEST_P(redis_store_suite, concurrent_creates_for_one_user_make_one_session) {
  constexpr int threads = 4;
  constexpr int per_thread = 16;
  std::atomic<int> created{0};
  std::atomic<int> failed{0};
  std::mutex mu;
  std::set<std::string> returned_ids;
  std::vector<std::thread> pool;
  std::atomic<bool> go{false};
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      std::vector<std::future<result<create_outcome>>> futures;
      for (int i = 0; i < per_thread; ++i) {
        auto p = std::make_shared<std::promise<result<create_outcome>>>();
        futures.push_back(p->get_future());
        store_->create(make_record("c-" + std::to_string(t) + "-" + std::to_string(i), "carol", 1000 + i),
                       create_options{.one_active_per_user = true}, [p](result<create_outcome> r) { p->set_value(std::move(r)); });
      }
      for (auto& f : futures) {
        ASSERT_EQ(f.wait_for(15s), std::future_status::ready);
        auto r = f.get();
        if (!r) {
          ++failed;
          continue;
        }
        if (r->created) ++created;
        std::lock_guard lock(mu);
        returned_ids.insert(r->record.id);
      }
    });
  }
  go = true;
  for (auto& t : pool) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), 1);
  ASSERT_EQ(returned_ids.size(), 1u) << "every caller must get the one running session";
  sync_store s{*store_};
  auto listed = s.list("carol", 100);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->sessions.size(), 1u);
  EXPECT_EQ(listed->sessions[0].id, *returned_ids.begin());
  // Exactly the session hash, the index, the pointer and the recent index
  // (list_recent) naming the one session: no orphan hashes or entries.
  EXPECT_EQ(total_keys(), 4);
  EXPECT_EQ(raw({"ZCARD", "mt:x:{recent}:sessions"}), "1");
}

TEST_P(redis_store_suite, lists_newest_first_in_pages) {
  sync_store s{*store_};
  std::vector<session_record> mine;
  for (int i = 0; i < 45; ++i) {
    // Three sessions per millisecond: ties are broken by id, descending.
    mine.push_back(make_record("u-" + std::to_string(100 + (i * 37) % 45), "pat", 1000 + i / 3));
    ASSERT_TRUE(s.create(mine.back()));
  }
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.create(make_record("v-" + std::to_string(i), "quinn", 1000 + i)));
  std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) {
    return a.created_at_ms != b.created_at_ms ? a.created_at_ms > b.created_at_ms : a.id > b.id;
  });

  std::vector<session_record> seen;
  std::vector<std::size_t> sizes;
  std::string cursor;
  do {
    auto p = s.list("pat", 20, cursor);
    ASSERT_TRUE(p) << p.error().message;
    sizes.push_back(p->sessions.size());
    seen.insert(seen.end(), p->sessions.begin(), p->sessions.end());
    cursor = p->next_cursor;
  } while (!cursor.empty() && sizes.size() < 10);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{20, 20, 5}));
  EXPECT_EQ(seen, mine);

  auto exact = s.list("quinn", 5);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->sessions.size(), 5u);
  EXPECT_TRUE(exact->next_cursor.empty()) << "a full last page has no next page";
  auto nobody = s.list("nobody", 5);
  ASSERT_TRUE(nobody);
  EXPECT_TRUE(nobody->sessions.empty());
  EXPECT_TRUE(nobody->next_cursor.empty());

  // Scripts are found by their SHA-1 (EVALSHA): NOSCRIPT only the first
  // time a node sees each script, not once per call.
  const long long noscript = sum_over_masters_errors("NOSCRIPT");
  EXPECT_GE(noscript, 1) << "a fresh server has no script cached";
  EXPECT_LE(noscript, 3 * static_cast<long long>(master_ports().size()));

  EXPECT_EQ(code_of(s.list("pat", 0)), errc::invalid_argument);
  EXPECT_EQ(code_of(s.list("pat", 101)), errc::invalid_argument);
  EXPECT_EQ(code_of(s.list("pat", 10, "garbage")), errc::invalid_argument);
}

TEST_P(redis_store_suite, malformed_stored_data_is_internal_not_a_crash) {
  sync_store s{*store_};
  raw({"HSET", "mt:s:{bad1}", "v", "1", "id", "bad1"});  // most fields missing
  raw({"SET", "mt:s:{bad2}", "not a hash"});
  ASSERT_TRUE(s.create(make_record("bad3", "alice")));
  raw({"HSET", "mt:s:{bad3}", "seed", "-12"});
  ASSERT_TRUE(s.create(make_record("bad4", "alice")));
  raw({"HSET", "mt:s:{bad4}", "extra", "1"});
  for (const char* id : {"bad1", "bad2", "bad3", "bad4"}) {
    auto r = s.get(id);
    ASSERT_FALSE(r) << id;
    EXPECT_EQ(r.error().code, errc::internal) << id << ": " << r.error().message;
  }
  auto listed = s.list("alice", 10);
  EXPECT_EQ(code_of(listed), errc::internal);
}

TEST_P(redis_store_suite, concurrent_requests_are_pipelined) {
  store_options options;
  options.max_in_flight = 20000;
  options.timeout = 10s;
  store_ = make_store(options);
  sync_store s{*store_};
  ASSERT_TRUE(s.create(make_record("hot", "alice")));
  ASSERT_TRUE(s.get("hot"));  // connections are up before counting

  constexpr int n = 10000;
  const long long reads_before = sum_over_masters("stats", "total_reads_processed");
  const long long commands_before = sum_over_masters("stats", "total_commands_processed");
  std::atomic<int> ok{0};
  std::atomic<int> done{0};
  std::promise<void> all;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    store_->get("hot", [&](result<session_record> r) {
      if (r && r->id == "hot") ++ok;
      if (++done == n) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const long long reads = sum_over_masters("stats", "total_reads_processed") - reads_before;
  const long long commands = sum_over_masters("stats", "total_commands_processed") - commands_before;
  EXPECT_EQ(ok.load(), n);
  EXPECT_GE(commands, n);
  // Without pipelining every GET needs its own read on the server.
  EXPECT_LT(reads, n / 10) << "server reads " << reads << " for " << commands << " commands";
  // Every command went straight to its slot's master: the slot computation
  // agrees with the servers'.
  EXPECT_EQ(sum_over_masters_errors("MOVED"), 0);
  std::printf("[ pipeline ] %d gets in %lld ms, %lld server reads (%.1f commands per read)\n", n,
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()), reads,
              static_cast<double>(commands) / static_cast<double>(std::max(reads, 1LL)));
}

TEST_P(redis_store_suite, full_queue_fails_fast_with_unavailable) {
  store_options options;
  options.max_in_flight = 16;
  options.connections = 1;
  store_ = make_store(options);
  sync_store s{*store_};
  ASSERT_TRUE(s.create(make_record("q", "alice")));
  constexpr int n = 2000;
  std::atomic<int> ok{0};
  std::atomic<int> unavailable{0};
  std::atomic<int> done{0};
  std::promise<void> all;
  for (int i = 0; i < n; ++i) {
    store_->get("q", [&](result<session_record> r) {
      if (r) ++ok;
      if (!r && r.error().code == errc::unavailable) ++unavailable;
      if (++done == n) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(15s), std::future_status::ready);
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(unavailable.load(), 0);
  EXPECT_EQ(ok.load() + unavailable.load(), n);
}

INSTANTIATE_TEST_SUITE_P(backends, redis_store_suite, ::testing::Values(backend::standalone, backend::cluster),
                         [](const ::testing::TestParamInfo<backend>& p) {
                           return p.param == backend::standalone ? "standalone" : "cluster";
                         });

}  // namespace
}  // namespace metronome::store

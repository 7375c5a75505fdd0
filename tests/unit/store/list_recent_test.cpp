// session_store::list_recent (the operator console's session list) on every
// backend: SQLite in a temp file, a real standalone Redis and a real Redis
// Cluster (tests/support/redis_servers.hpp). Same cases, one parameter.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "metronome/store/backends.hpp"
#include "process.hpp"
#include "redis_servers.hpp"
#include "sync_store.hpp"

namespace metronome::store {
namespace {

using namespace metronome::store::testing;

enum class backend { sqlite, standalone, cluster };

class list_recent_suite : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case backend::sqlite: {
        dir_ = test::make_temp_dir("metronome-recent-");
        auto made = make_sqlite_store(dir_ + "/sessions.db");
        ASSERT_TRUE(made.has_value()) << made.error().message;
        store_ = std::move(*made);
        break;
      }
      case backend::standalone:
        standalone_ = std::make_unique<test::redis_standalone>();
        store_ = make_redis_store({"127.0.0.1", standalone_->port()});
        break;
      case backend::cluster: {
        cluster_ = std::make_unique<test::redis_cluster>();
        std::vector<host_port> seeds;
        for (auto port : cluster_->ports()) seeds.push_back({"127.0.0.1", port});
        store_ = make_redis_cluster_store(seeds);
        break;
      }
    }
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  result<page> recent(recent_filter f) {
    return wait_for<page>([&](callback<page> cb) { store_->list_recent(f, std::move(cb)); });
  }

  // Every page of `f`, following cursors, as ids in order. Fails the test
  // on an error or on more pages than sessions could fill.
  std::vector<std::string> all_pages(recent_filter f) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 100; ++pages) {
      auto p = recent(f);
      EXPECT_TRUE(p.has_value()) << p.error().message;
      if (!p) return ids;
      EXPECT_LE(p->sessions.size(), f.limit);
      for (const auto& s : p->sessions) ids.push_back(s.id);
      if (p->next_cursor.empty()) return ids;
      f.cursor = p->next_cursor;
    }
    ADD_FAILURE() << "the pages never ended";
    return ids;
  }

  // Sessions s0..s(n-1): created 1000 + i ms, users u0..u2, regions eu/us
  // alternating; every third one stopped.
  void fill(int n) {
    sync_store s{*store_};
    for (int i = 0; i < n; ++i) {
      session_record r = make_record("s" + std::to_string(i), "u" + std::to_string(i % 3), 1000 + i);
      r.region = i % 2 == 0 ? "eu" : "us";
      ASSERT_TRUE(s.create(r).has_value());
      if (i % 3 == 0) {
        ASSERT_TRUE(s.end({.id = r.id, .to = session_status::stopped, .owner = std::nullopt, .at_ms = 5000}).has_value());
      }
    }
  }

  std::string dir_;
  std::unique_ptr<test::redis_standalone> standalone_;
  std::unique_ptr<test::redis_cluster> cluster_;
  std::unique_ptr<session_store> store_;
};

TEST_P(list_recent_suite, lists_every_users_sessions_newest_first_in_pages) {
  fill(7);
  auto first = recent({.limit = 3});
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_EQ(first->sessions.size(), 3u);
  EXPECT_EQ(first->sessions[0].id, "s6");
  EXPECT_EQ(first->sessions[2].id, "s4");
  EXPECT_EQ(first->sessions[0].region, "eu");
  EXPECT_FALSE(first->next_cursor.empty());
  EXPECT_EQ(all_pages({.limit = 3}), (std::vector<std::string>{"s6", "s5", "s4", "s3", "s2", "s1", "s0"}));
  // The last page is not followed by an empty one when it is exactly full.
  auto whole = recent({.limit = 7});
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(whole->sessions.size(), 7u);
  EXPECT_TRUE(whole->next_cursor.empty());
}

TEST_P(list_recent_suite, filters_by_region_and_status) {
  fill(9);
  EXPECT_EQ(all_pages({.region = "us", .limit = 2}), (std::vector<std::string>{"s7", "s5", "s3", "s1"}));
  EXPECT_EQ(all_pages({.status = session_status::stopped, .limit = 2}), (std::vector<std::string>{"s6", "s3", "s0"}));
  EXPECT_EQ(all_pages({.region = "eu", .status = session_status::running, .limit = 10}), (std::vector<std::string>{"s8", "s4", "s2"}));
  EXPECT_TRUE(all_pages({.region = "ap", .limit = 5}).empty());
  // What the filter read is the record after the end, not the create.
  auto stopped = recent({.status = session_status::stopped, .limit = 1});
  ASSERT_TRUE(stopped.has_value());
  ASSERT_EQ(stopped->sessions.size(), 1u);
  EXPECT_EQ(stopped->sessions[0].ended_at_ms, 5000);
}

TEST_P(list_recent_suite, a_new_session_shows_first_and_a_cursor_stays_stable) {
  fill(4);
  auto first = recent({.limit = 2});
  ASSERT_TRUE(first.has_value());
  sync_store s{*store_};
  ASSERT_TRUE(s.create(make_record("late", "u9", 9999)).has_value());
  auto second = recent({.limit = 2, .cursor = first->next_cursor});
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->sessions.size(), 2u);
  EXPECT_EQ(second->sessions[0].id, "s1");  // keyset pages: the insert does not shift them
  auto top = recent({.limit = 1});
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(top->sessions.at(0).id, "late");
}

TEST_P(list_recent_suite, bad_limits_and_cursors_are_invalid_arguments) {
  EXPECT_EQ(code_of(recent({.limit = 0})), errc::invalid_argument);
  EXPECT_EQ(code_of(recent({.limit = 101})), errc::invalid_argument);
  EXPECT_EQ(code_of(recent({.limit = 5, .cursor = "not-a-cursor"})), errc::invalid_argument);
  auto empty = recent({.limit = 5});
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->sessions.empty());
  EXPECT_TRUE(empty->next_cursor.empty());
}

TEST_P(list_recent_suite, a_sparse_filter_answers_a_bounded_scan_and_still_finds_everything) {
  // More non-matching sessions than one call reads on Redis (1000): the
  // walk must come back with a cursor rather than read the whole index,
  // and following cursors must still reach the one old match.
  sync_store s{*store_};
  session_record old = make_record("match", "u", 1);
  old.region = "ap";
  ASSERT_TRUE(s.create(old).has_value());
  for (int i = 0; i < 1100; ++i) ASSERT_TRUE(s.create(make_record("n" + std::to_string(i), "u", 10 + i)).has_value());
  EXPECT_EQ(all_pages({.region = "ap", .limit = 5}), (std::vector<std::string>{"match"}));
}

INSTANTIATE_TEST_SUITE_P(backends, list_recent_suite, ::testing::Values(backend::sqlite, backend::standalone, backend::cluster),
                         [](const ::testing::TestParamInfo<backend>& i) {
                           switch (i.param) {
                             case backend::sqlite: return std::string("sqlite");
                             case backend::standalone: return std::string("redis");
                             case backend::cluster: return std::string("redis_cluster");
                           }
                           return std::string("unknown");
                         });

}  // namespace
}  // namespace metronome::store

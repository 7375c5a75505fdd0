// The SQLite session store in one process: every operation and every error,
// the one-active-per-user policy, pagination, durability across reopen, the
// busy path, the store threads (ordering, not blocking the caller, shutdown),
// and calls from several threads. Real files in a temp dir.
// Several processes and kill -9: sqlite_process_test.cpp.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <latch>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "metronome/store/backends.hpp"
#include "process.hpp"
#include "sync_store.hpp"

namespace metronome::store {
namespace {

using namespace std::chrono_literals;

// Runs one store call and returns what its callback got, waiting for it
// (writes complete on a store thread) within a bound.
template <class T, class Call>
result<T> sync(Call call) {
  return testing::wait_for<T>([&](callback<T> cb) { call(std::move(cb)); });
}

result<create_outcome> create(session_store& s, session_record r, create_options o = {}) {
  return sync<create_outcome>([&](auto cb) { s.create(std::move(r), o, cb); });
}
result<session_record> get(session_store& s, const std::string& id) {
  return sync<session_record>([&](auto cb) { s.get(id, cb); });
}
result<end_outcome> end(session_store& s, end_request r) {
  return sync<end_outcome>([&](auto cb) { s.end(std::move(r), cb); });
}
result<page> list(session_store& s, const std::string& user, std::size_t limit, std::string cursor = {}) {
  return sync<page>([&](auto cb) { s.list_by_user({.user_id = user, .limit = limit, .cursor = std::move(cursor)}, cb); });
}
result<void> ping(session_store& s) {
  return sync<void>([&](auto cb) { s.ping(cb); });
}

session_record make_record(const std::string& id, const std::string& user, std::int64_t created_at_ms) {
  session_record r;
  r.id = id;
  r.user_id = user;
  r.region = "eu-west";
  r.seed = 0x1234'5678'9abcULL + static_cast<std::uint64_t>(created_at_ms);
  r.mode = session_mode::client;
  r.start_at_ms = created_at_ms + 500;
  r.tick_ms = 100;
  r.rule_json = R"({"name":"rounds","mean_interval":50,"jitter":49})";
  r.created_at_ms = created_at_ms;
  r.metadata_json = R"({"id":")" + id + R"("})";
  return r;
}

// Reads one value with a raw connection, to look at the file from outside.
std::string raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out = "<error>";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        out.clear();
        for (int i = 0; i < sqlite3_column_count(st); ++i) {
          const unsigned char* text = sqlite3_column_text(st, i);
          if (i > 0) out += '|';
          if (text != nullptr) out += reinterpret_cast<const char*>(text);
        }
      } else if (rc == SQLITE_DONE) {
        out.clear();
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_close_v2(db);
  return out;
}

class sqlite_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_temp_dir("metronome-sqlite-");
    path_ = dir_ + "/sessions.db";
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  session_store& open(const store_options& options = {}) {
    store_.reset();
    auto made = make_sqlite_store(path_, options);
    if (!made) throw std::runtime_error("open failed: " + made.error().message);
    store_ = std::move(*made);
    return *store_;
  }

  std::string dir_;
  std::string path_;
  std::unique_ptr<session_store> store_;
};

TEST_F(sqlite_store_test, create_then_get_round_trips_every_field) {
  auto& s = open();
  EXPECT_EQ(s.kind(), "sqlite");
  ASSERT_TRUE(ping(s).has_value());

  session_record r = make_record("8f0c2a3e-0000-4000-8000-000000000001", "alice", 1'700'000'000'000);
  r.mode = session_mode::server;
  r.commitment = std::string(64, 'c');
  r.salt = std::string(32, 'a');
  r.tick_ms = 37;
  auto created = create(s, r);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->record, r);

  auto got = get(s, r.id);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(*got, r);
  EXPECT_FALSE(got->ended_at_ms.has_value());
}

TEST_F(sqlite_store_test, extreme_values_and_hostile_strings_round_trip) {
  auto& s = open();
  const std::uint64_t seeds[] = {0, 1, (1ULL << 53) - 1, (1ULL << 53) + 1, 1ULL << 63, std::numeric_limits<std::uint64_t>::max()};
  int n = 0;
  for (const std::uint64_t seed : seeds) {
    session_record r = make_record("seed-" + std::to_string(n++), "u", 1);
    r.seed = seed;
    ASSERT_TRUE(create(s, r).has_value());
    auto got = get(s, r.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->seed, seed);
  }

  session_record r = make_record("x'); DROP TABLE sessions; --", std::string("nul\0inside", 10), std::numeric_limits<std::int64_t>::min());
  r.region = "";
  r.rule_json = "\"quoted\" 'single' \\ backslash \xF0\x9F\x8E\xB2 \xff\xfe not utf-8";
  r.metadata_json = "{\"k\":\"" + std::string(4096, 'm') + "\"}";
  r.start_at_ms = std::numeric_limits<std::int64_t>::max();
  r.tick_ms = -1;
  r.status = session_status::exited;
  r.ended_at_ms = 0;  // Zero is a time, not "not ended".
  ASSERT_TRUE(create(s, r).has_value());
  auto got = get(s, r.id);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(*got, r);
  ASSERT_TRUE(got->ended_at_ms.has_value());
  EXPECT_EQ(*got->ended_at_ms, 0);
  EXPECT_EQ(got->user_id.size(), 10u);
  EXPECT_TRUE(ping(s).has_value());  // The table is still there.
}

TEST_F(sqlite_store_test, duplicate_id_is_conflict_and_keeps_the_original) {
  auto& s = open();
  const session_record first = make_record("dup", "alice", 10);
  ASSERT_TRUE(create(s, first).has_value());
  session_record second = make_record("dup", "bob", 20);
  auto again = create(s, second);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, errc::conflict);
  // With the policy on and no running session for bob, still a conflict.
  auto again_policy = create(s, second, {.one_active_per_user = true});
  ASSERT_FALSE(again_policy.has_value());
  EXPECT_EQ(again_policy.error().code, errc::conflict);
  EXPECT_EQ(*get(s, "dup"), first);
}

TEST_F(sqlite_store_test, empty_id_is_invalid_argument) {
  auto& s = open();
  auto r = create(s, make_record("", "alice", 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::invalid_argument);
}

TEST_F(sqlite_store_test, get_of_a_missing_id_is_not_found) {
  auto& s = open();
  for (const std::string& id : std::vector<std::string>{"nope", "", std::string(10'000, 'z')}) {
    auto got = get(s, id);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, errc::not_found);
    EXPECT_LT(got.error().message.size(), 200u);  // Caller text is quoted, bounded.
  }
}

TEST_F(sqlite_store_test, move_region_is_a_compare_and_set_on_running_and_the_old_region) {
  auto& s = open();
  session_record r = make_record("m1", "alice", 100);
  r.region = "eu";
  ASSERT_TRUE(create(s, r).has_value());
  auto move = [&](std::string from, std::string to) {
    return sync<session_record>([&](auto cb) { s.move_region({.id = "m1", .from = std::move(from), .to = std::move(to)}, cb); });
  };
  auto moved = move("eu", "us");
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  EXPECT_EQ(moved->region, "us");
  EXPECT_EQ(get(s, "m1")->region, "us");
  // A caller that read the old region loses: nothing is written.
  auto stale = move("eu", "asia");
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, errc::conflict);
  EXPECT_EQ(get(s, "m1")->region, "us");
  // An ended session does not move.
  ASSERT_TRUE(end(s, {.id = "m1", .owner = std::nullopt, .at_ms = 5}).has_value());
  auto ended = move("us", "eu");
  ASSERT_FALSE(ended.has_value());
  EXPECT_EQ(ended.error().code, errc::conflict);
  EXPECT_EQ(get(s, "m1")->region, "us");
  auto missing = sync<session_record>([&](auto cb) { s.move_region({.id = "nope", .from = "eu", .to = "us"}, cb); });
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, errc::not_found);
}

TEST_F(sqlite_store_test, end_is_a_one_time_transition_and_keeps_the_first_end) {
  auto& s = open();
  ASSERT_TRUE(create(s, make_record("s1", "alice", 100)).has_value());

  auto first = end(s, {.id = "s1", .to = session_status::stopped, .owner = "alice", .at_ms = 5000});
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_TRUE(first->changed);
  EXPECT_EQ(first->record.status, session_status::stopped);
  EXPECT_EQ(first->record.ended_at_ms, 5000);

  auto second = end(s, {.id = "s1", .to = session_status::exited, .owner = std::nullopt, .at_ms = 9000});
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->changed);
  EXPECT_EQ(second->record.status, session_status::stopped);
  EXPECT_EQ(second->record.ended_at_ms, 5000);

  auto stored = get(s, "s1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, first->record);

  ASSERT_TRUE(create(s, make_record("s2", "", 100)).has_value());
  auto exited = end(s, {.id = "s2", .to = session_status::exited, .owner = std::nullopt, .at_ms = 7});
  ASSERT_TRUE(exited.has_value());
  EXPECT_TRUE(exited->changed);
  EXPECT_EQ(get(s, "s2")->status, session_status::exited);
}

TEST_F(sqlite_store_test, end_errors) {
  auto& s = open();
  ASSERT_TRUE(create(s, make_record("s1", "alice", 100)).has_value());
  const session_record before = *get(s, "s1");

  auto missing = end(s, {.id = "nope", .owner = std::nullopt, .at_ms = 1});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, errc::not_found);

  auto stranger = end(s, {.id = "s1", .owner = "mallory", .at_ms = 1});
  ASSERT_FALSE(stranger.has_value());
  EXPECT_EQ(stranger.error().code, errc::forbidden);
  EXPECT_EQ(*get(s, "s1"), before);

  auto to_running = end(s, {.id = "s1", .to = session_status::running, .owner = std::nullopt, .at_ms = 1});
  ASSERT_FALSE(to_running.has_value());
  EXPECT_EQ(to_running.error().code, errc::invalid_argument);
  EXPECT_EQ(*get(s, "s1"), before);

  // Once ended, a stranger still gets forbidden, not the session's state.
  ASSERT_TRUE(end(s, {.id = "s1", .owner = "alice", .at_ms = 2}).has_value());
  auto late_stranger = end(s, {.id = "s1", .owner = "mallory", .at_ms = 3});
  ASSERT_FALSE(late_stranger.has_value());
  EXPECT_EQ(late_stranger.error().code, errc::forbidden);

  // An ownerless session belongs to nobody a caller can name.
  ASSERT_TRUE(create(s, make_record("anon", "", 100)).has_value());
  auto named = end(s, {.id = "anon", .owner = "alice", .at_ms = 1});
  ASSERT_FALSE(named.has_value());
  EXPECT_EQ(named.error().code, errc::forbidden);
}

TEST_F(sqlite_store_test, one_active_per_user_returns_the_running_session) {
  auto& s = open();
  const create_options policy{.one_active_per_user = true};
  ASSERT_TRUE(create(s, make_record("a1", "alice", 100), policy)->created);
  ASSERT_TRUE(create(s, make_record("b1", "bob", 100), policy)->created);  // Other users do not interfere.

  auto second = create(s, make_record("a2", "alice", 200), policy);
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->record, *get(s, "a1"));
  EXPECT_EQ(get(s, "a2").error().code, errc::not_found);  // Nothing written.

  ASSERT_TRUE(end(s, {.id = "a1", .owner = std::nullopt, .at_ms = 300}).has_value());
  auto third = create(s, make_record("a3", "alice", 400), policy);
  ASSERT_TRUE(third.has_value());
  EXPECT_TRUE(third->created);
  EXPECT_EQ(third->record.id, "a3");

  // Without the policy a user may have several running sessions; with it,
  // the newest running one is returned.
  ASSERT_TRUE(create(s, make_record("a4", "alice", 500))->created);
  auto fifth = create(s, make_record("a5", "alice", 600), policy);
  ASSERT_TRUE(fifth.has_value());
  EXPECT_FALSE(fifth->created);
  EXPECT_EQ(fifth->record.id, "a4");

  // An empty user_id is nobody: the policy does not apply.
  ASSERT_TRUE(create(s, make_record("n1", "", 100), policy)->created);
  ASSERT_TRUE(create(s, make_record("n2", "", 100), policy)->created);
}

TEST_F(sqlite_store_test, pages_walk_newest_first_through_ties_without_gaps_or_repeats) {
  auto& s = open();
  // 23 sessions for alice, four per created_at_ms (ties broken by id,
  // descending), inserted in a scrambled order, with bob's interleaved.
  std::vector<session_record> expected;
  for (int i = 0; i < 23; ++i) {
    const int k = (i * 7) % 23;  // 7 is coprime with 23: a permutation.
    session_record r = make_record("id-" + std::string(1, static_cast<char>('a' + k)), "alice", 1000 + k / 4);
    ASSERT_TRUE(create(s, r).has_value());
    ASSERT_TRUE(create(s, make_record("bob-" + std::to_string(i), "bob", 1000 + k / 4)).has_value());
    expected.push_back(r);
  }
  std::sort(expected.begin(), expected.end(),
            [](const auto& a, const auto& b) { return std::tie(a.created_at_ms, a.id) > std::tie(b.created_at_ms, b.id); });

  for (const std::size_t limit : {std::size_t{5}, std::size_t{1}, std::size_t{23}, std::size_t{100}}) {
    std::vector<session_record> walked;
    std::string cursor;
    int pages = 0;
    do {
      auto p = list(s, "alice", limit, cursor);
      ASSERT_TRUE(p.has_value()) << p.error().message;
      ASSERT_LE(p->sessions.size(), limit);
      if (!p->next_cursor.empty()) {
        EXPECT_EQ(p->sessions.size(), limit);
      }
      walked.insert(walked.end(), p->sessions.begin(), p->sessions.end());
      cursor = p->next_cursor;
      ASSERT_LT(++pages, 100);
    } while (!cursor.empty());
    EXPECT_EQ(walked, expected) << "limit " << limit;
    EXPECT_EQ(pages, static_cast<int>((23 + limit - 1) / limit)) << "limit " << limit;
  }
}

TEST_F(sqlite_store_test, an_exact_multiple_ends_with_an_empty_cursor_not_an_empty_page) {
  auto& s = open();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(create(s, make_record("s" + std::to_string(i), "alice", i)).has_value());
  auto first = list(s, "alice", 5);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->sessions.size(), 5u);
  EXPECT_EQ(first->sessions.front().id, "s9");
  ASSERT_FALSE(first->next_cursor.empty());
  auto second = list(s, "alice", 5, first->next_cursor);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->sessions.size(), 5u);
  EXPECT_EQ(second->sessions.back().id, "s0");
  EXPECT_TRUE(second->next_cursor.empty());
}

TEST_F(sqlite_store_test, sessions_created_between_pages_do_not_shift_later_pages) {
  auto& s = open();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(create(s, make_record("s" + std::to_string(i), "alice", 100 + i)).has_value());
  auto first = list(s, "alice", 3);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(create(s, make_record("newer", "alice", 999)).has_value());
  auto second = list(s, "alice", 3, first->next_cursor);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->sessions.size(), 3u);
  EXPECT_EQ(second->sessions[0].id, "s2");
  EXPECT_EQ(second->sessions[2].id, "s0");
  EXPECT_TRUE(second->next_cursor.empty());
}

TEST_F(sqlite_store_test, list_limit_must_be_1_to_100) {
  auto& s = open();
  for (int i = 0; i < 120; ++i) ASSERT_TRUE(create(s, make_record("s" + std::to_string(i), "alice", i)).has_value());
  for (const std::size_t bad : {std::size_t{0}, std::size_t{101}, std::numeric_limits<std::size_t>::max()}) {
    auto p = list(s, "alice", bad);
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(p.error().code, errc::invalid_argument);
  }
  EXPECT_EQ(list(s, "alice", 1)->sessions.size(), 1u);
  auto full = list(s, "alice", 100);
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->sessions.size(), 100u);
  EXPECT_FALSE(full->next_cursor.empty());
}

TEST_F(sqlite_store_test, malformed_cursors_are_invalid_argument) {
  auto& s = open();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(create(s, make_record("s" + std::to_string(i), "alice", i)).has_value());
  const std::string good = list(s, "alice", 1)->next_cursor;
  ASSERT_FALSE(good.empty());
  ASSERT_TRUE(list(s, "alice", 1, good).has_value());

  const std::vector<std::string> bad = {
      "garbage",
      "s1.",
      "s1.12",
      "s1.12.",
      "s1..6869",
      "s1.x.6869",
      "s1.12.686",
      "s1.12.zz",
      "s1.12.6G",
      "s1.+12.6869",
      "s1.012.6869",
      "s1.-0.6869",
      "s1.99999999999999999999.6869",
      "s2.12.6869",
      std::string("s1.12.68\0", 9),
      "s1.12." + std::string(4096, 'a'),
      good + "0",
  };
  for (const auto& cursor : bad) {
    auto p = list(s, "alice", 10, cursor);
    ASSERT_FALSE(p.has_value()) << cursor;
    EXPECT_EQ(p.error().code, errc::invalid_argument) << cursor;
  }
  // A well-formed cursor from anywhere is just a position.
  auto elsewhere = list(s, "nobody", 10, good);
  ASSERT_TRUE(elsewhere.has_value());
  EXPECT_TRUE(elsewhere->sessions.empty());
}

TEST_F(sqlite_store_test, an_unknown_user_has_one_empty_last_page) {
  auto& s = open();
  auto p = list(s, "nobody", 20);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->sessions.empty());
  EXPECT_TRUE(p->next_cursor.empty());
}

TEST_F(sqlite_store_test, everything_survives_close_and_reopen) {
  std::vector<session_record> written;
  {
    auto& s = open();
    for (int i = 0; i < 5; ++i) {
      written.push_back(make_record("s" + std::to_string(i), "alice", i));
      ASSERT_TRUE(create(s, written.back()).has_value());
    }
    auto ended = end(s, {.id = "s2", .to = session_status::exited, .owner = std::nullopt, .at_ms = 77});
    ASSERT_TRUE(ended.has_value());
    written[2] = ended->record;
  }
  store_.reset();
  auto reopened = make_session_store("sqlite:" + path_);
  ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
  for (const auto& r : written) {
    auto got = get(**reopened, r.id);
    ASSERT_TRUE(got.has_value()) << r.id;
    EXPECT_EQ(*got, r);
  }
  EXPECT_EQ(list(**reopened, "alice", 100)->sessions.size(), 5u);
  EXPECT_EQ(get(**reopened, "s2")->ended_at_ms, 77);
}

TEST_F(sqlite_store_test, full_sync_stores_the_same_way) {
  auto& s = open({.sqlite_full_sync = true});
  ASSERT_TRUE(create(s, make_record("s1", "alice", 1)).has_value());
  ASSERT_TRUE(end(s, {.id = "s1", .owner = std::nullopt, .at_ms = 2}).has_value());
  EXPECT_EQ(get(s, "s1")->ended_at_ms, 2);
}

TEST_F(sqlite_store_test, the_file_is_wal_and_versioned_with_the_indexes_lists_use) {
  auto& s = open();
  ASSERT_TRUE(create(s, make_record("s1", "alice", 1)).has_value());
  EXPECT_EQ(raw_query(path_, "PRAGMA user_version"), "4");
  EXPECT_EQ(raw_query(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_query(path_, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'sessions_%'"), "3");
  // The paging query (same shape as the store's) walks the index: no sort.
  const std::string plan = raw_query(path_,
                                     "EXPLAIN QUERY PLAN SELECT * FROM sessions WHERE user_id = 'a' AND "
                                     "(created_at_ms, id) < (5, 'x') ORDER BY created_at_ms DESC, id DESC LIMIT 21");
  EXPECT_NE(plan.find("sessions_by_user"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

TEST_F(sqlite_store_test, opening_something_that_is_not_a_usable_file_fails_clearly) {
  const std::string missing_dir = dir_ + "/no/such/dir/sessions.db";
  auto no_dir = make_sqlite_store(missing_dir);
  ASSERT_FALSE(no_dir.has_value());
  EXPECT_EQ(no_dir.error().code, errc::unavailable);
  EXPECT_NE(no_dir.error().message.find(missing_dir), std::string::npos) << no_dir.error().message;

  auto a_dir = make_sqlite_store(dir_);
  ASSERT_FALSE(a_dir.has_value());
  EXPECT_EQ(a_dir.error().code, errc::unavailable);

  const std::string garbage = dir_ + "/garbage.db";
  std::ofstream(garbage) << std::string(8192, 'x');
  auto not_db = make_sqlite_store(garbage);
  ASSERT_FALSE(not_db.has_value());
  EXPECT_EQ(not_db.error().code, errc::unavailable);
  EXPECT_EQ(test::read_file(garbage), std::string(8192, 'x'));  // Left alone.

  for (const std::string path : {"", ":memory:"}) {
    auto shared_nothing = make_sqlite_store(path);
    ASSERT_FALSE(shared_nothing.has_value());
    EXPECT_EQ(shared_nothing.error().code, errc::invalid_argument);
  }
}

TEST_F(sqlite_store_test, a_version_1_file_gains_the_key_digest_and_keeps_its_sessions) {
  // A file as version 1 wrote it: no key_digest column.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const char* v1 =
        "CREATE TABLE sessions (id TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, region TEXT NOT NULL, seed INTEGER NOT NULL,"
        " mode TEXT NOT NULL, commitment TEXT NOT NULL, salt TEXT NOT NULL, start_at_ms INTEGER NOT NULL, tick_ms INTEGER NOT NULL,"
        " rule_json TEXT NOT NULL, status TEXT NOT NULL, created_at_ms INTEGER NOT NULL, ended_at_ms INTEGER, metadata_json TEXT NOT NULL);"
        "CREATE INDEX sessions_by_user ON sessions (user_id, created_at_ms DESC, id DESC);"
        "INSERT INTO sessions VALUES ('old', 'alice', 'eu', 7, 'client', '', '', 10, 100, '{\"name\":\"rounds\"}', 'running', 5, NULL, "
        "'{}');"
        "PRAGMA user_version = 1;";
    ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto& s = open();
  const auto old = get(s, "old");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->user_id, "alice");
  EXPECT_EQ(old->key_digest, "");
  EXPECT_EQ(raw_query(path_, "PRAGMA user_version"), "4");
  session_record keyed = make_record("new", "bob", 6);
  keyed.key_digest = std::string(64, 'c');
  ASSERT_TRUE(create(s, keyed).has_value());
  EXPECT_EQ(get(s, "new")->key_digest, std::string(64, 'c'));
}

TEST_F(sqlite_store_test, a_newer_or_foreign_schema_is_refused) {
  {
    auto& s = open();
    ASSERT_TRUE(ping(s).has_value());
  }
  store_.reset();
  raw_query(path_, "PRAGMA user_version = 99");
  auto newer = make_sqlite_store(path_);
  ASSERT_FALSE(newer.has_value());
  EXPECT_EQ(newer.error().code, errc::unavailable);
  EXPECT_NE(newer.error().message.find("newer"), std::string::npos) << newer.error().message;

  const std::string foreign = dir_ + "/foreign.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE sessions (x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto other = make_sqlite_store(foreign);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, errc::unavailable);
  EXPECT_EQ(raw_query(foreign, "PRAGMA user_version"), "0");  // Rolled back, untouched.
}

TEST_F(sqlite_store_test, a_damaged_file_reports_unavailable_and_the_store_keeps_serving) {
  {
    auto& s = open();
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(create(s, make_record("s" + std::to_string(i), "alice", i)).has_value());
  }
  store_.reset();  // The last connection checkpoints the WAL into the file.
  const int root = std::stoi(raw_query(path_, "SELECT rootpage FROM sqlite_schema WHERE name = 'sessions'"));
  const int page_size = std::stoi(raw_query(path_, "PRAGMA page_size"));
  ASSERT_GT(root, 1);
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(root - 1) * page_size);
    const std::string junk(static_cast<std::size_t>(page_size), '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }

  auto& s = open();  // The schema page is intact: opening works.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto got = get(s, "s7");
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, errc::unavailable) << got.error().message;
    auto listed = list(s, "alice", 10);
    ASSERT_FALSE(listed.has_value());
    EXPECT_EQ(listed.error().code, errc::unavailable) << listed.error().message;
    // The failed connection is dropped; a fresh one answers what it can.
    EXPECT_TRUE(ping(s).has_value());
  }
}

TEST_F(sqlite_store_test, a_held_write_lock_times_out_writes_but_not_reads) {
  auto& s = open({.timeout = 300ms});
  ASSERT_TRUE(create(s, make_record("s1", "alice", 1)).has_value());

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  const auto started = std::chrono::steady_clock::now();
  auto blocked = create(s, make_record("s2", "alice", 2));
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().code, errc::timeout);
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 3s);
  auto blocked_end = end(s, {.id = "s1", .owner = std::nullopt, .at_ms = 5});
  ASSERT_FALSE(blocked_end.has_value());
  EXPECT_EQ(blocked_end.error().code, errc::timeout);

  // WAL: readers do not wait for the writer.
  EXPECT_TRUE(get(s, "s1").has_value());
  EXPECT_TRUE(ping(s).has_value());

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE(create(s, make_record("s2", "alice", 2)).has_value());
  EXPECT_TRUE(end(s, {.id = "s1", .owner = std::nullopt, .at_ms = 5})->changed);
}

TEST_F(sqlite_store_test, writes_complete_on_a_store_thread_once_and_may_call_back_in) {
  auto& s = open();
  const auto caller = std::this_thread::get_id();
  std::promise<std::thread::id> completed_on;
  std::promise<result<session_record>> nested;
  std::atomic<int> calls{0};
  s.create(make_record("s1", "alice", 1), {}, [&](result<create_outcome> r) {
    ++calls;
    completed_on.set_value(std::this_thread::get_id());
    EXPECT_TRUE(r.has_value());
    // The connection is back in the pool before the callback runs.
    s.get("s1", [&](result<session_record> g) { nested.set_value(std::move(g)); });
  });
  auto thread = completed_on.get_future();
  ASSERT_EQ(thread.wait_for(15s), std::future_status::ready);
  EXPECT_NE(thread.get(), caller);
  auto got = nested.get_future();
  ASSERT_EQ(got.wait_for(15s), std::future_status::ready);
  auto record = got.get();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->id, "s1");
  EXPECT_EQ(calls.load(), 1);

  // Nothing of ours is queued now: a read runs inline, on the caller's thread.
  bool inline_read = false;
  s.get("missing", [&](result<session_record> r) {
    inline_read = std::this_thread::get_id() == caller;
    EXPECT_EQ(r.error().code, errc::not_found);
  });
  EXPECT_TRUE(inline_read);
  s.ping({});  // An empty callback is not called.
}

// Item 5 of issue 12: a write waiting for a lock another process holds must
// not hold up the caller's thread (an I/O thread, in the server).
TEST_F(sqlite_store_test, a_write_waiting_on_a_lock_does_not_block_the_caller) {
  auto& s = open({.timeout = 10s});
  ASSERT_TRUE(create(s, make_record("s1", "alice", 1)).has_value());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  std::promise<result<create_outcome>> done;
  s.create(make_record("s2", "alice", 2), {}, [&](result<create_outcome> r) { done.set_value(std::move(r)); });
  // The lock is still held, so the write cannot have completed: the call
  // returned while it waits on a store thread.
  auto outcome = done.get_future();
  EXPECT_EQ(outcome.wait_for(0s), std::future_status::timeout);
  // A read from another thread is not stuck behind it either.
  std::thread reader([&] { EXPECT_TRUE(get(s, "s1").has_value()); });
  reader.join();

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  ASSERT_EQ(outcome.wait_for(15s), std::future_status::ready);
  auto made = outcome.get();
  ASSERT_TRUE(made.has_value()) << made.error().message;
  EXPECT_TRUE(made->created);
}

TEST_F(sqlite_store_test, one_threads_calls_complete_in_the_order_it_made_them) {
  auto& s = open();
  std::mutex m;
  std::vector<std::string> order;
  std::promise<result<session_record>> last;
  auto note = [&](std::string what) {
    std::lock_guard lock(m);
    order.push_back(std::move(what));
  };
  // Not one of these waits for the previous: the get must still see the end.
  s.create(make_record("s1", "alice", 1), {}, [&](result<create_outcome> r) { note(r ? "create" : "create failed"); });
  s.end({.id = "s1", .owner = std::nullopt, .at_ms = 5}, [&](result<end_outcome> r) { note(r ? "end" : "end failed"); });
  s.get("s1", [&](result<session_record> r) {
    note("get");
    last.set_value(std::move(r));
  });
  auto got = last.get_future();
  ASSERT_EQ(got.wait_for(15s), std::future_status::ready);
  auto record = got.get();
  ASSERT_TRUE(record.has_value()) << record.error().message;
  EXPECT_EQ(record->status, session_status::stopped);
  std::lock_guard lock(m);
  EXPECT_EQ(order, (std::vector<std::string>{"create", "end", "get"}));
}

TEST_F(sqlite_store_test, shutdown_completes_queued_calls_with_unavailable) {
  auto& s = open({.timeout = 300ms});
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  constexpr int n = 4;
  std::vector<std::optional<result<create_outcome>>> outcomes(n);
  std::vector<int> calls(n, 0);
  for (int i = 0; i < n; ++i) {
    s.create(make_record("q" + std::to_string(i), "", i), {}, [&, i](result<create_outcome> r) {
      ++calls[static_cast<std::size_t>(i)];
      outcomes[static_cast<std::size_t>(i)].emplace(std::move(r));
    });
  }
  store_.reset();  // joins the store's threads: every callback has run
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  int unavailable = 0;
  for (int i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    EXPECT_EQ(calls[k], 1) << i;
    ASSERT_TRUE(outcomes[k].has_value());
    ASSERT_FALSE(outcomes[k]->has_value());
    const errc code = outcomes[k]->error().code;
    EXPECT_TRUE(code == errc::timeout || code == errc::unavailable) << i;
    if (code == errc::unavailable) ++unavailable;
  }
  // The first was running (and timed out on the lock); the rest were queued.
  EXPECT_GE(unavailable, n - 1);
}

TEST_F(sqlite_store_test, many_threads_at_once_lose_nothing) {
  auto& s = open({.timeout = 10s});
  constexpr int threads = 12;  // More than the pool's 8 connections.
  constexpr int per_thread = 40;
  std::atomic<int> failures{0};
  std::latch start(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      const std::string user = "user-" + std::to_string(t % 3);
      for (int i = 0; i < per_thread; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!create(s, make_record(id, user, i)).has_value()) ++failures;
        auto got = get(s, id);
        if (!got.has_value() || got->id != id) ++failures;
        if (i % 4 == 0 && !end(s, {.id = id, .owner = user, .at_ms = i}).has_value()) ++failures;
        if (!list(s, user, 10).has_value()) ++failures;
      }
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::string> seen;
  for (int u = 0; u < 3; ++u) {
    std::string cursor;
    do {
      auto p = list(s, "user-" + std::to_string(u), 100, cursor);
      ASSERT_TRUE(p.has_value());
      for (const auto& r : p->sessions) EXPECT_TRUE(seen.insert(r.id).second) << r.id;
      cursor = p->next_cursor;
    } while (!cursor.empty());
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(threads * per_thread));
}

TEST_F(sqlite_store_test, racing_threads_get_one_active_session_per_user) {
  auto& s = open({.timeout = 10s});
  // Every thread walks the same users in the same order, so creates for one
  // user arrive together again and again.
  constexpr int threads = 6;
  constexpr int users = 60;
  std::latch start(threads);
  std::vector<std::vector<std::optional<result<create_outcome>>>> outcomes(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& mine = outcomes[static_cast<std::size_t>(t)];
      start.arrive_and_wait();
      for (int u = 0; u < users; ++u) {
        const std::string id = "race-" + std::to_string(u) + "-" + std::to_string(t);
        mine.emplace_back(create(s, make_record(id, "user-" + std::to_string(u), t), {.one_active_per_user = true}));
      }
    });
  }
  for (auto& t : pool) t.join();
  for (int u = 0; u < users; ++u) {
    int created = 0;
    std::set<std::string> returned_ids;
    for (const auto& mine : outcomes) {
      const auto& o = mine[static_cast<std::size_t>(u)];
      ASSERT_TRUE(o.has_value() && o->has_value());
      created += o->value().created ? 1 : 0;
      returned_ids.insert(o->value().record.id);
    }
    EXPECT_EQ(created, 1) << "user-" << u;
    EXPECT_EQ(returned_ids.size(), 1u) << "user-" << u;  // Everyone got the one winner.
    EXPECT_EQ(list(s, "user-" + std::to_string(u), 100)->sessions.size(), 1u) << "user-" << u;
  }
}

}  // namespace
}  // namespace metronome::store

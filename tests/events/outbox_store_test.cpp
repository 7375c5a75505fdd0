// The outbox against store/outbox.hpp's contract, on SQLite and on a real
// standalone redis-server: an event exists iff its session write committed;
// the bound drops events, never writes; peek is oldest first; remove is
// idempotent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "../unit/store/sync_store.hpp"
#include "metronome/store/backends.hpp"
#include "redis_servers.hpp"

namespace metronome::store {
namespace {

using testing::make_record;
using testing::wait_for;

outbox_entry entry(std::string id, std::int64_t at_ms = 1) {
  return outbox_entry{.id = std::move(id), .subject = "game.started", .payload_json = R"({"id":"x"})", .at_ms = at_ms};
}

enum class backend { sqlite, redis };

class outbox_store_test : public ::testing::TestWithParam<backend> {
 protected:
  void open(std::size_t max_depth) {
    if (GetParam() == backend::redis) {
      if (!redis_) redis_ = std::make_unique<test::redis_standalone>();
      store_ = make_redis_store({"127.0.0.1", redis_->port()}, store_options{.outbox_max_depth = max_depth});
    } else {
      if (dir_.empty()) {
        dir_ = ::testing::TempDir() + "outbox-" + std::to_string(::getpid()) + "-" +
               std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
               std::to_string(reinterpret_cast<std::uintptr_t>(this));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
      }
      auto made = make_sqlite_store(dir_ + "/s.db", store_options{.outbox_max_depth = max_depth});
      ASSERT_TRUE(made) << made.error().message;
      store_ = std::move(*made);
    }
    ASSERT_NE(store_->outbox(), nullptr);
  }
  void TearDown() override {
    store_.reset();
    redis_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  result<create_outcome> create(const session_record& r, std::optional<outbox_entry> e, bool one_active = false) {
    return wait_for<create_outcome>([&](callback<create_outcome> cb) {
      store_->create(r, create_options{.one_active_per_user = one_active, .event = std::move(e)}, std::move(cb));
    });
  }
  result<end_outcome> end(const std::string& id, std::optional<outbox_entry> e) {
    return wait_for<end_outcome>([&](callback<end_outcome> cb) {
      store_->end(end_request{.id = id, .to = session_status::exited, .owner = std::nullopt, .at_ms = 5, .event = std::move(e)},
                  std::move(cb));
    });
  }
  std::vector<outbox_entry> peek(std::size_t n = 100) {
    auto r = wait_for<std::vector<outbox_entry>>([&](callback<std::vector<outbox_entry>> cb) { store_->outbox()->peek(n, std::move(cb)); });
    EXPECT_TRUE(r);
    return r ? *r : std::vector<outbox_entry>{};
  }
  std::size_t depth() {
    auto r = wait_for<std::size_t>([&](callback<std::size_t> cb) { store_->outbox()->depth(std::move(cb)); });
    EXPECT_TRUE(r);
    return r ? *r : 0;
  }
  std::vector<std::string> ids() {
    std::vector<std::string> out;
    for (const auto& e : peek()) out.push_back(e.id);
    return out;
  }

  std::string dir_;
  std::unique_ptr<test::redis_standalone> redis_;
  std::unique_ptr<session_store> store_;
};

TEST_P(outbox_store_test, an_event_is_stored_with_its_write_and_only_then) {
  open(100);
  auto made = create(make_record("s1", "alice"), entry("e1", 7), true);
  ASSERT_TRUE(made);
  EXPECT_TRUE(made->created && made->event_stored);
  // The user's running session is returned, nothing is written: no event.
  auto again = create(make_record("s2", "alice"), entry("e2"), true);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_FALSE(again->event_stored);
  // A duplicate id fails whole: neither session nor event.
  EXPECT_FALSE(create(make_record("s1", "bob"), entry("e3")));
  auto ended = end("s1", entry("e4"));
  ASSERT_TRUE(ended);
  EXPECT_TRUE(ended->changed && ended->event_stored);
  auto twice = end("s1", entry("e5"));
  ASSERT_TRUE(twice);
  EXPECT_FALSE(twice->changed || twice->event_stored);
  EXPECT_FALSE(end("missing", entry("e6")));
  // Without an event the outbox is not touched.
  auto plain = create(make_record("s3", "carol"), std::nullopt);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->event_stored);
  EXPECT_EQ(ids(), (std::vector<std::string>{"e1", "e4"}));
  EXPECT_EQ(peek().front(), entry("e1", 7));  // every field round-trips
}

TEST_P(outbox_store_test, a_full_outbox_drops_the_event_but_never_the_write) {
  open(2);
  for (const char* id : {"a", "b"}) {
    auto r = create(make_record(std::string("s-") + id, ""), entry(id));
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->event_stored);
  }
  auto over = create(make_record("s-c", ""), entry("c"));
  ASSERT_TRUE(over);
  EXPECT_TRUE(over->created) << "the session write commits";
  EXPECT_FALSE(over->event_stored) << "its event does not fit";
  EXPECT_TRUE(testing::sync_store{*store_}.get("s-c"));
  auto ended = end("s-a", entry("d"));
  ASSERT_TRUE(ended);
  EXPECT_TRUE(ended->changed);
  EXPECT_FALSE(ended->event_stored);
  auto appended = wait_for<bool>([&](callback<bool> cb) { store_->outbox()->append(entry("e"), std::move(cb)); });
  ASSERT_TRUE(appended);
  EXPECT_FALSE(*appended);
  EXPECT_EQ(depth(), 2u);
  // Room again once the publisher removes what JetStream acknowledged.
  ASSERT_TRUE(wait_for<void>([&](callback<void> cb) { store_->outbox()->remove({"a"}, std::move(cb)); }));
  appended = wait_for<bool>([&](callback<bool> cb) { store_->outbox()->append(entry("f"), std::move(cb)); });
  ASSERT_TRUE(appended);
  EXPECT_TRUE(*appended);
  EXPECT_EQ(ids(), (std::vector<std::string>{"b", "f"}));
}

TEST_P(outbox_store_test, peek_is_oldest_first_and_remove_is_idempotent) {
  open(1000);
  for (int i = 0; i < 10; ++i) {
    auto r = wait_for<bool>([&](callback<bool> cb) { store_->outbox()->append(entry("e" + std::to_string(i)), std::move(cb)); });
    ASSERT_TRUE(r);
  }
  // A second append of one id keeps the first (the id is the event).
  ASSERT_TRUE(wait_for<bool>([&](callback<bool> cb) { store_->outbox()->append(entry("e3", 99), std::move(cb)); }));
  auto first = peek(3);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].id, "e0");
  EXPECT_EQ(first[2].id, "e2");
  ASSERT_TRUE(wait_for<void>([&](callback<void> cb) { store_->outbox()->remove({"e0", "e1", "e2", "nope"}, std::move(cb)); }));
  ASSERT_TRUE(wait_for<void>([&](callback<void> cb) { store_->outbox()->remove({"e0"}, std::move(cb)); }));
  auto rest = peek();
  ASSERT_EQ(rest.size(), 7u);
  EXPECT_EQ(rest.front(), entry("e3"));
  EXPECT_EQ(rest.back().id, "e9");
}

TEST_P(outbox_store_test, the_outbox_survives_reopening_the_store) {
  open(100);
  ASSERT_TRUE(create(make_record("s1", "u"), entry("kept")));
  open(100);
  EXPECT_EQ(ids(), (std::vector<std::string>{"kept"}));
}

INSTANTIATE_TEST_SUITE_P(backends, outbox_store_test, ::testing::Values(backend::sqlite, backend::redis),
                         [](const auto& p) { return p.param == backend::sqlite ? "sqlite" : "redis"; });

TEST(outbox_store, a_redis_cluster_keeps_no_outbox) {
  // Its writes commit in the session's or the user's slot, which a script
  // cannot join with the outbox's (redis_outbox.hpp). No server needed:
  // the store connects lazily.
  auto cluster = make_redis_cluster_store({{"127.0.0.1", 1}});
  EXPECT_EQ(cluster->outbox(), nullptr);
}

}  // namespace
}  // namespace metronome::store

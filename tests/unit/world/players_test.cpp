// Player records: the SQLite store and the writer thread in front of it.
#include <gtest/gtest.h>

#include <atomic>

#include "../journal/journal_test_dir.hpp"
#include "metronome/world/players/sqlite_player_store.hpp"
#include "player_records_for_tests.hpp"

namespace metronome::world::players {
namespace {

using journal::testing::temp_dir;

using testing::record;

std::unique_ptr<sqlite_player_store> open_store(const temp_dir& d) {
  auto s = sqlite_player_store::open((d.path() / "players.db").string());
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

TEST(player_store, sqlite_round_trip_update_and_reopen) {
  temp_dir d;
  {
    auto s = open_store(d);
    const std::vector<player_record> two{record(1), record(2)};
    ASSERT_TRUE(s->put(two));
    player_record moved = record(1);
    moved.last_position = {77, 88};
    moved.play_time_ms = 999;
    ASSERT_TRUE(s->put(std::span(&moved, 1)));
  }
  auto s = open_store(d);  // migrations already applied: a no-op
  auto one = s->get("p1");
  ASSERT_TRUE(one);
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((**one).last_position, (vec2{77, 88}));
  EXPECT_EQ((**one).play_time_ms, 999);
  EXPECT_EQ((**one).created_ms, 1001);
  auto two = s->get("p2");
  ASSERT_TRUE(two && two->has_value());
  EXPECT_EQ(**two, record(2));
  auto none = s->get("nobody");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

/// The SQLite store, made unavailable on demand (an outage of the
/// database), refusing any batch with a record named "refused" (a record the
/// store cannot keep), and counting its calls.
class switchable_store final : public player_store {
 public:
  explicit switchable_store(std::unique_ptr<sqlite_player_store> s) : inner_(std::move(s)) {}
  std::atomic<bool> down{false};
  std::atomic<int> puts{0};
  result<std::optional<player_record>> get(const std::string& id) override { return inner_->get(id); }
  result<void> put(std::span<const player_record> records) override {
    ++puts;
    if (down) return make_error(errc::unavailable, "database down");
    for (const auto& p : records) {
      if (p.display_name == "refused") return make_error(errc::invalid_argument, "cannot keep " + p.id);
    }
    return inner_->put(records);
  }

 private:
  std::unique_ptr<sqlite_player_store> inner_;
};

TEST(player_writer, a_record_the_store_refuses_is_dropped_alone) {
  temp_dir d;
  auto store = std::make_shared<switchable_store>(open_store(d));
  player_writer w(store, {.batch = 50, .retry = std::chrono::milliseconds(5)});
  store->down = true;  // the queue fills first, so the batch holds all 10
  for (int i = 0; i < 10; ++i) {
    player_record r = record(i);
    if (i == 3 || i == 7) r.display_name = "refused";
    ASSERT_TRUE(w.submit(r));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (w.health().failed_attempts < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  store->down = false;
  ASSERT_TRUE(w.wait_written(std::chrono::seconds(30)));
  const writer_health h = w.health();
  EXPECT_EQ(h.written, 8u);
  EXPECT_EQ(h.rejected, 2u);
  EXPECT_EQ(h.last_rejection, "cannot keep p7");
  EXPECT_FALSE(h.outage);
  EXPECT_EQ(h.queued, 0u);
  for (int i = 0; i < 10; ++i) {
    auto r = store->get("p" + std::to_string(i));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->has_value(), i != 3 && i != 7) << i;
  }
  const int puts = store->puts;
  ASSERT_TRUE(w.submit(record(20)));
  ASSERT_TRUE(w.wait_written(std::chrono::seconds(30)));
  EXPECT_EQ(store->puts, puts + 1) << "the writer is back to whole batches";
}

TEST(player_writer, batches_everything_submitted_into_the_store) {
  temp_dir d;
  auto store = std::make_shared<switchable_store>(open_store(d));
  player_writer w(store, {.batch = 300});
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(w.submit(record(i)));
  ASSERT_TRUE(w.wait_written(std::chrono::seconds(60)));
  EXPECT_EQ(w.health().written, 5000u);
  EXPECT_FALSE(w.health().outage);
  for (const int i : {0, 2500, 4999}) {
    auto r = store->get("p" + std::to_string(i));
    ASSERT_TRUE(r && r->has_value());
    EXPECT_EQ(**r, record(i));
  }
}

TEST(player_writer, an_outage_is_visible_retried_and_loses_nothing_acknowledged) {
  temp_dir d;
  auto store = std::make_shared<switchable_store>(open_store(d));
  player_writer w(store, {.capacity = 100, .batch = 16, .retry = std::chrono::milliseconds(5)});
  store->down = true;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(w.submit(record(i)));
  EXPECT_FALSE(w.submit(record(100))) << "the queue is bounded";
  EXPECT_FALSE(w.wait_written(std::chrono::milliseconds(50)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (w.health().failed_attempts < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  const writer_health down = w.health();
  EXPECT_TRUE(down.outage);
  EXPECT_NE(down.last_error.find("database down"), std::string::npos);
  EXPECT_EQ(down.written, 0u);
  EXPECT_EQ(down.queued, 100u);
  store->down = false;
  ASSERT_TRUE(w.wait_written(std::chrono::seconds(30)));
  EXPECT_FALSE(w.health().outage);
  EXPECT_EQ(w.health().written, 100u);
  for (int i = 0; i < 100; ++i) {
    auto r = store->get("p" + std::to_string(i));
    ASSERT_TRUE(r && r->has_value()) << i;
  }
  EXPECT_TRUE(w.submit(record(100)));
}

}  // namespace
}  // namespace metronome::world::players

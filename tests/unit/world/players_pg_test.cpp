// Player records in a real PostgreSQL server (tests/support/postgres_server):
// round trip, all-or-nothing put, migrations on reopen, the pool across a
// server restart, and the writer in front of the store while the server is
// stopped and started under writes.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "../journal/journal_test_dir.hpp"
#include "metronome/world/players/open_player_store.hpp"
#include "metronome/world/players/pg_player_store.hpp"
#include "metronome/world/players/sqlite_player_store.hpp"
#include "player_records_for_tests.hpp"
#include "postgres_server.hpp"

namespace metronome::world::players {
namespace {

using namespace std::chrono_literals;
using test::postgres_server;

using testing::record;

std::unique_ptr<pg_player_store> open_store(const postgres_server& pg, std::size_t pool = 4) {
  auto s = pg_player_store::open({.conninfo = pg.url(), .pool_size = pool});
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

std::optional<player_record> stored(player_store& s, const std::string& id) {
  auto r = s.get(id);
  if (!r) throw std::runtime_error(r.error().message);
  return *r;
}

TEST(pg_player_store, round_trip_update_and_missing) {
  postgres_server pg;
  auto s = open_store(pg);
  const std::vector<player_record> two{record(1), record(2)};
  ASSERT_TRUE(s->put(two));
  player_record moved = record(1);
  moved.last_position = {-2147483647 - 1, 2147483647};
  moved.play_time_ms = std::int64_t{1} << 50;
  moved.created_ms = 5;  // an update keeps the row's created_ms
  ASSERT_TRUE(s->put(std::span(&moved, 1)));
  auto one = stored(*s, "p1");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->last_position, (vec2{-2147483647 - 1, 2147483647}));
  EXPECT_EQ(one->play_time_ms, std::int64_t{1} << 50);
  EXPECT_EQ(one->created_ms, 1001);
  EXPECT_EQ(one->display_name, "Player 1 é");
  EXPECT_EQ(stored(*s, "p2"), record(2));
  EXPECT_FALSE(stored(*s, "nobody"));
  EXPECT_EQ(pg.scalar("SELECT count(*) FROM players"), "2");
}

TEST(pg_player_store, any_text_round_trips) {
  postgres_server pg;
  auto s = open_store(pg);
  std::vector<player_record> batch;
  for (const char* text : {"", "NULL", "\"quoted\"", "back\\slash\\", "{brace},comma", " spaced ", "tab\tnew\nline", "日本語"}) {
    player_record p = record(static_cast<int>(batch.size()));
    p.id = std::string("id ") + text;
    p.display_name = text;
    batch.push_back(p);
  }
  ASSERT_TRUE(s->put(batch));
  for (const auto& p : batch) EXPECT_EQ(stored(*s, p.id), p) << p.display_name;
  EXPECT_EQ(pg.scalar("SELECT count(*) FROM players WHERE display_name = 'NULL'"), "1");
}

TEST(pg_player_store, a_batch_gives_what_sqlite_gives_for_repeated_ids) {
  postgres_server pg;
  auto s = open_store(pg);
  journal::testing::temp_dir d;
  auto lite = sqlite_player_store::open((d.path() / "players.db").string());
  ASSERT_TRUE(lite);
  // Every id two or three times in one batch of 1,500 records.
  std::vector<player_record> batch;
  for (int i = 0; i < 1500; ++i) batch.push_back(record(i % 700, i));
  ASSERT_TRUE(s->put(batch));
  ASSERT_TRUE((*lite)->put(batch));
  for (const int i : {0, 1, 2, 350, 699}) {
    const std::string id = "p" + std::to_string(i);
    EXPECT_EQ(stored(*s, id), stored(**lite, id)) << id;
  }
  EXPECT_EQ(stored(*s, "p1")->play_time_ms, 30 + 1401);  // the last of i = 1, 701, 1401
  EXPECT_EQ(pg.scalar("SELECT count(*) FROM players"), "700");
}

TEST(pg_player_store, put_is_all_or_nothing) {
  postgres_server pg;
  auto s = open_store(pg);
  ASSERT_TRUE(s->put(std::vector{record(1)}));
  for (const std::size_t size : {std::size_t{3}, std::size_t{2500}}) {  // the bad row last: everything before it is undone
    std::vector<player_record> batch;
    for (std::size_t i = 0; i + 1 < size; ++i) batch.push_back(record(static_cast<int>(i), 7));
    player_record bad = record(9999);
    bad.display_name = "not UTF-8 \xff";  // the server refuses this row
    batch.push_back(bad);
    auto r = s->put(batch);
    ASSERT_FALSE(r) << size;
    EXPECT_NE(r.error().message.find("UTF8"), std::string::npos) << r.error().message;  // the server's own words
    EXPECT_EQ(r.error().code, errc::invalid_argument);
    EXPECT_EQ(stored(*s, "p1"), record(1)) << size;
    EXPECT_EQ(pg.scalar("SELECT count(*) FROM players"), "1") << size;
  }
  player_record nul = record(3);
  nul.display_name.push_back('\0');
  auto r = s->put(std::vector{record(2), nul});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_FALSE(stored(*s, "p2"));
  EXPECT_TRUE(s->put(std::vector{record(2)})) << "the store still works";
}

TEST(pg_player_writer, a_record_the_server_refuses_does_not_stop_the_others) {
  postgres_server pg;
  std::shared_ptr<player_store> store = open_store(pg);
  player_writer w(store, {.batch = 100});
  for (int i = 0; i < 300; ++i) {
    player_record r = record(i);
    if (i == 150) r.display_name = "\xc3";  // a cut UTF-8 sequence
    ASSERT_TRUE(w.submit(r));
  }
  ASSERT_TRUE(w.wait_written(60s));
  EXPECT_EQ(w.health().written, 299u);
  EXPECT_EQ(w.health().rejected, 1u);
  EXPECT_NE(w.health().last_rejection.find("UTF8"), std::string::npos) << w.health().last_rejection;
  EXPECT_EQ(pg.scalar("SELECT count(*) FROM players"), "299");
  EXPECT_FALSE(stored(*store, "p150"));
}

TEST(pg_player_store, migrations_run_once_and_a_newer_schema_is_refused) {
  postgres_server pg;
  {
    auto s = open_store(pg);
    ASSERT_TRUE(s->put(std::vector{record(1)}));
  }
  // Reopened, from two threads at once: the advisory lock makes one migrate.
  std::vector<std::thread> openers;
  std::atomic<int> opened{0};
  for (int t = 0; t < 2; ++t) {
    openers.emplace_back([&] {
      if (pg_player_store::open({.conninfo = pg.url()})) ++opened;
    });
  }
  for (auto& t : openers) t.join();
  EXPECT_EQ(opened.load(), 2);
  EXPECT_EQ(pg.scalar("SELECT count(*) || ':' || max(version) FROM schema_version"), "1:1");
  EXPECT_EQ(stored(*open_store(pg), "p1"), record(1));
  pg.scalar("INSERT INTO schema_version (version) VALUES (2)");
  auto newer = pg_player_store::open({.conninfo = pg.url()});
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, errc::conflict);
}

TEST(pg_player_store, errors_are_results_with_the_reason) {
  postgres_server pg;
  auto s = open_store(pg);
  pg.stop();
  auto r = s->get("p1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_NE(r.error().message.find("player store (postgresql): "), std::string::npos) << r.error().message;
  auto refused = pg_player_store::open({.conninfo = pg.url()});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("Connection refused"), std::string::npos) << refused.error().message;
  auto bad =
      pg_player_store::open({.conninfo = "postgresql://metronome@127.0.0.1:" + std::to_string(pg.port()) + "/postgres?sslmode=bogus"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("sslmode"), std::string::npos) << bad.error().message;
}

TEST(pg_player_store, pooled_connections_survive_a_server_restart) {
  postgres_server pg;
  auto s = open_store(pg, 2);
  // Two calls at once leave two pooled connections, both made stale by the restart.
  std::thread other([&] { EXPECT_TRUE(s->put(std::vector{record(1)})); });
  EXPECT_TRUE(s->put(std::vector{record(2)}));
  other.join();
  pg.crash();
  pg.start();
  auto r = s->get("p1");  // a stale connection fails; the store retries on a fresh one
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, record(1));
  EXPECT_TRUE(s->put(std::vector{record(3)}));
  EXPECT_EQ(pg.scalar("SELECT count(*) FROM players"), "3");
}

TEST(pg_player_store, the_pool_is_bounded) {
  postgres_server pg;
  auto s = pg_player_store::open({.conninfo = pg.url(), .pool_size = 2, .acquire_timeout = 20000ms});
  ASSERT_TRUE(s);
  std::vector<std::thread> callers;
  std::atomic<int> ok{0};
  for (int t = 0; t < 6; ++t) {
    callers.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) ok += (*s)->put(std::vector{record(t * 100 + k)}) ? 1 : 0;
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(ok.load(), 120);
  // Our application_name marks the pool's sessions; this query's own session is psql-free libpq.
  EXPECT_LE(std::stoi(pg.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'metronome'")), 2);
}

TEST(open_player_store, a_url_names_postgresql_anything_else_a_sqlite_file) {
  EXPECT_TRUE(names_postgresql("postgresql://u@127.0.0.1/db"));
  EXPECT_TRUE(names_postgresql("postgres://u@127.0.0.1/db"));
  EXPECT_FALSE(names_postgresql("players.db"));
  EXPECT_FALSE(names_postgresql("/data/postgresql://x"));
  postgres_server pg;
  auto s = open_player_store(pg.url());
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE((*s)->put(std::vector{record(4)}));
  EXPECT_EQ(pg.scalar("SELECT display_name FROM players WHERE id = 'p4'"), "Player 4 é");
  journal::testing::temp_dir d;
  auto lite = open_player_store((d.path() / "players.db").string());
  ASSERT_TRUE(lite) << lite.error().message;
  EXPECT_TRUE(std::filesystem::exists(d.path() / "players.db"));
}

// The writer in front of PostgreSQL while the server is stopped and started
// under a steady stream of submits (the tick thread's side): submit() keeps
// accepting, health() shows the outage with the server's reason, and after
// the restart every record submitted before, during and after is stored
// with its last value.
TEST(pg_player_writer, a_server_stopped_and_started_under_writes_loses_nothing) {
  postgres_server pg;
  std::shared_ptr<player_store> store = open_store(pg);
  player_writer w(store, {.capacity = 500'000, .batch = 64, .retry = 20ms});
  constexpr int players = 300;
  std::map<int, std::int64_t> last;  // the producer's; read after it joined
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> submitted{0}, refused{0};
  std::thread producer([&] {
    for (std::int64_t v = 1; !done && v < 2'000'000; ++v) {
      const int i = static_cast<int>(v % players);
      if (w.submit(record(i, v))) {
        last[i] = v;
        ++submitted;
      } else {
        ++refused;
      }
      if (v % 8 == 0) std::this_thread::sleep_for(1ms);  // a tick's worth of records at a time
    }
  });
  const auto wait_until = [](const auto& condition, std::chrono::milliseconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  };
  for (const bool immediate : {false, true}) {  // a fast shutdown, then a crash-like immediate one
    SCOPED_TRACE(immediate ? "immediate shutdown" : "fast shutdown");
    const std::uint64_t before = w.health().written;
    ASSERT_TRUE(wait_until([&] { return w.health().written >= before + 1000; }, 60s)) << "writes reach the server";
    if (immediate) {
      pg.crash();
    } else {
      pg.stop();
    }
    ASSERT_TRUE(wait_until([&] { return w.health().failed_attempts >= 3 && w.health().outage; }, 60s));
    const writer_health down = w.health();
    EXPECT_NE(down.last_error.find("player store (postgresql)"), std::string::npos) << down.last_error;
    const std::uint64_t submitted_down = submitted.load();
    ASSERT_TRUE(wait_until([&] { return submitted.load() >= submitted_down + 1000; }, 60s)) << "submit() keeps accepting";
    EXPECT_TRUE(w.health().outage);
    EXPECT_EQ(w.health().written, down.written) << "nothing is acknowledged while the server is down";
    EXPECT_GT(w.health().queued, 1000u);
    pg.start();
    ASSERT_TRUE(wait_until([&] { return !w.health().outage && w.health().written >= down.written + 2000; }, 60s)) << w.health().last_error;
  }
  done = true;
  producer.join();
  ASSERT_TRUE(w.wait_written(60s));
  const writer_health end = w.health();
  EXPECT_EQ(refused.load(), 0u);
  EXPECT_EQ(end.written, submitted.load());
  EXPECT_EQ(end.queued, 0u);
  EXPECT_FALSE(end.outage);
  auto fresh = open_store(pg);  // its own connections: what the server holds
  ASSERT_EQ(last.size(), std::size_t{players});
  for (const auto& [i, v] : last) ASSERT_EQ(stored(*fresh, "p" + std::to_string(i)), record(i, v)) << i;
  EXPECT_EQ(pg.scalar("SELECT count(*) FROM players"), std::to_string(players));
}

}  // namespace
}  // namespace metronome::world::players

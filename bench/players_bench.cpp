// Player-record writes per second through player_writer (batched), into
// SQLite and into PostgreSQL, in the same run and on the same disk. The
// PostgreSQL server is the tests' fixture (tests/support/postgres_server),
// started here on a free 127.0.0.1 port with fsync and synchronous_commit
// on (its defaults), as SQLite runs with synchronous=FULL. Every record is
// acknowledged (committed) before the clock stops, and the stored last value
// of every player is checked afterwards. Prints one JSON object per store
// and batch size. Build with the release preset:
//   cmake --preset release && cmake --build --preset release --target players_bench
//   build/release/bench/players_bench [--records 100000] [--players 1000] [--batches 64,512]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "metronome/world/players/pg_player_store.hpp"
#include "metronome/world/players/sqlite_player_store.hpp"
#include "postgres_server.hpp"
#include "process.hpp"

namespace {

using namespace metronome::world::players;

struct options {
  std::size_t records = 100'000;
  std::size_t players = 1000;
  std::vector<std::size_t> batches{64, 512};
};

player_record record_of(std::size_t i, std::size_t players) {
  return {.id = "player-" + std::to_string(i % players),
          .display_name = "bench " + std::to_string(i % players),
          .last_position = {static_cast<std::int32_t>(i % 4096), -static_cast<std::int32_t>(i % 1024)},
          .created_ms = 1,
          .last_seen_ms = static_cast<std::int64_t>(i),
          .play_time_ms = static_cast<std::int64_t>(i) * 50};
}

std::string load_average() {
  std::string s = metronome::test::read_file("/proc/loadavg");
  return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));  // the 1, 5 and 15 minute figures
}

/// Seconds to submit `o.records` records and have them all acknowledged.
double time_writes(const std::shared_ptr<player_store>& store, const options& o, std::size_t batch) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    player_writer writer(store, {.batch = batch});
    for (std::size_t i = 0; i < o.records; ++i) {
      while (!writer.submit(record_of(i, o.players))) std::this_thread::yield();  // bounded queue: wait for room
    }
    if (!writer.wait_written(std::chrono::minutes(10)))
      throw std::runtime_error("not written within 10 minutes: " + writer.health().last_error);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (std::size_t p = 0; p < o.players; ++p) {  // the last record of every player is what is stored
    const std::size_t last = (o.records - 1) - ((o.records - 1 - p) % o.players);
    auto got = store->get("player-" + std::to_string(p));
    if (!got || !got->has_value() || **got != record_of(last, o.players))
      throw std::runtime_error("player-" + std::to_string(p) + " not stored");
  }
  return seconds;
}

void report(const char* store, std::size_t batch, const options& o, double seconds) {
  std::printf(
      "{\"bench\":\"player records\",\"store\":\"%s\",\"records\":%zu,\"players\":%zu,\"batch\":%zu,\"seconds\":%.3f,"
      "\"writes_per_second\":%.0f,\"load_average\":\"%s\"}\n",
      store, o.records, o.players, batch, seconds, static_cast<double>(o.records) / seconds, load_average().c_str());
  std::fflush(stdout);
}

std::vector<std::size_t> parse_list(const char* text) {
  std::vector<std::size_t> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::strtoul(item.c_str(), nullptr, 10));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--records"))
      o.records = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--players"))
      o.players = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--batches"))
      o.batches = parse_list(argv[i + 1]);
    else {
      std::fprintf(stderr, "players_bench: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  bool bad_batch = o.batches.empty();
  for (const std::size_t b : o.batches) bad_batch = bad_batch || b == 0;
  if (o.records == 0 || o.players == 0 || o.players > o.records || bad_batch) {
    std::fprintf(stderr, "players_bench: --records and --players must be positive (players <= records), --batches positive numbers\n");
    return 2;
  }
  try {
    const std::string dir = metronome::test::make_temp_dir("metronome-players-bench-");
    metronome::test::postgres_server pg(std::vector<std::string>{});  // durable defaults: fsync, synchronous_commit on
    for (const std::size_t batch : o.batches) {
      const std::string file = dir + "/players-" + std::to_string(batch) + ".db";
      auto lite = sqlite_player_store::open(file);
      if (!lite) throw std::runtime_error(lite.error().message);
      report("sqlite", batch, o, time_writes(std::shared_ptr<player_store>(std::move(*lite)), o, batch));
      auto pgs = pg_player_store::open({.conninfo = pg.url()});
      if (!pgs) throw std::runtime_error(pgs.error().message);
      const std::shared_ptr<player_store> pg_store(std::move(*pgs));
      report("postgresql", batch, o, time_writes(pg_store, o, batch));
      pg.scalar("TRUNCATE players");  // the next batch size starts from an empty table, as SQLite's new file does
    }
    std::filesystem::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "players_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

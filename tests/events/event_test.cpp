// The payload builders (docs/events.md, "Payloads"): fields, the seed rule,
// ids. Pure: no sockets.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "metronome/events/event.hpp"
#include "metronome/events/publisher.hpp"

namespace metronome::events {
namespace {
namespace json = boost::json;

store::session_record record(store::session_mode mode) {
  store::session_record r;
  r.id = "g-1";
  r.user_id = "alice";
  r.region = "eu";
  r.seed = 1234567;
  r.mode = mode;
  r.commitment = "c0ffee";
  r.salt = "5a17";
  r.start_at_ms = 1'700'000'003'000;
  r.tick_ms = 100;
  r.rule_json = R"({"name":"rounds","mean_interval":50,"jitter":49})";
  r.created_at_ms = 1'700'000'000'000;
  r.metadata_json = R"({"table":7})";
  return r;
}

json::object envelope(const event& e) { return json::parse(envelope_json(e)).as_object(); }

TEST(events_payloads, game_started_shows_the_seed_only_in_client_mode) {
  const auto client = envelope(game_started(record(store::session_mode::client), "region:eu"));
  EXPECT_EQ(client.at("subject"), "game.started");
  EXPECT_EQ(client.at("source"), "region:eu");
  EXPECT_EQ(client.at("atMs"), 1'700'000'000'000);
  EXPECT_EQ(client.at("time"), "2023-11-14T22:13:20.000Z");
  const auto& d = client.at("data").as_object();
  EXPECT_EQ(d.at("gameId"), "g-1");
  EXPECT_EQ(d.at("seed"), 1234567);
  EXPECT_EQ(d.at("rule").at("name"), "rounds");
  EXPECT_EQ(d.at("metadata").at("table"), 7);
  EXPECT_FALSE(d.contains("commitment"));

  const auto server = envelope(game_started(record(store::session_mode::server), "region:eu"));
  const auto& s = server.at("data").as_object();
  EXPECT_FALSE(s.contains("seed")) << "a server-mode seed is secret until the session ends";
  EXPECT_FALSE(s.contains("salt"));
  EXPECT_EQ(s.at("commitment"), "c0ffee");
}

TEST(events_payloads, game_exited_reveals_the_seed_and_salt) {
  const auto e = envelope(game_exited(record(store::session_mode::server), store::session_status::stopped, 1'700'000'009'000, "region:eu"));
  EXPECT_EQ(e.at("subject"), "game.exited");
  EXPECT_EQ(e.at("atMs"), 1'700'000'009'000);
  const auto& d = e.at("data").as_object();
  EXPECT_EQ(d.at("status"), "stopped");
  EXPECT_EQ(d.at("endedAt"), 1'700'000'009'000);
  EXPECT_EQ(d.at("seed"), 1234567);
  EXPECT_EQ(d.at("salt"), "5a17");
}

TEST(events_payloads, ids_are_unique_except_a_break_which_is_its_session_and_step) {
  const auto r = record(store::session_mode::client);
  EXPECT_NE(game_started(r, "x").id, game_started(r, "x").id);
  EXPECT_EQ(game_break("g-1", 40, 3, 5, "region:eu").id, "g-1:break:40");
  EXPECT_EQ(game_break("g-1", 40, 3, 5, "region:us").id, game_break("g-1", 40, 3, 9, "region:eu").id);
  const auto k = envelope(player_kicked("g-1", "bob", "jitter", 12.5, 60.25, 77, "region:eu"));
  EXPECT_EQ(k.at("data").at("reason"), "jitter");
  EXPECT_EQ(k.at("data").at("jitterMs"), 60.25);
  EXPECT_EQ(envelope(region_changed("us", false, "probe", 1, "edge")).at("subject"), "region.down");
  EXPECT_EQ(envelope(region_changed("us", true, "healthy", 1, "edge")).at("subject"), "region.up");
}

TEST(events_payloads, the_outbox_row_is_the_envelope) {
  const event e = player_kicked("g-1", "bob", "latency", 1, 2, 3, "region:eu");
  const store::outbox_entry row = to_entry(e);
  EXPECT_EQ(row.id, e.id);
  EXPECT_EQ(row.subject, "player.kicked");
  EXPECT_EQ(row.payload_json, envelope_json(e));
  EXPECT_EQ(row.at_ms, 3);
}

TEST(events_payloads, nats_urls) {
  EXPECT_TRUE(check_nats_url("nats://127.0.0.1:4222"));
  EXPECT_TRUE(check_nats_url("nats://nats.internal:1"));
  for (const char* bad :
       {"", "127.0.0.1:4222", "http://h:1", "nats://h", "nats://:4222", "nats://h:", "nats://h:99999x", "nats://h:123456"}) {
    EXPECT_FALSE(check_nats_url(bad)) << bad;
  }
}

}  // namespace
}  // namespace metronome::events

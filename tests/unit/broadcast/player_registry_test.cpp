// The player registry's rules (docs/protocol.md "Reconnection"): resume after
// a drop within the grace period, a new player after a leave, a cool-down
// after a kick, replacement of a live connection. Time is passed in.
#include <gtest/gtest.h>

#include "player_registry.hpp"

namespace metronome::broadcast {
namespace {

hub* const hub_a = reinterpret_cast<hub*>(0x1000);  // identities only: never dereferenced
hub* const hub_b = reinterpret_cast<hub*>(0x2000);
constexpr std::int64_t grace = 10'000;

TEST(player_registry, a_first_claim_is_a_new_player) {
  player_registry r;
  const auto c = r.claim("s", "u", hub_a, 1, 0, grace);
  EXPECT_FALSE(c.resumed);
  EXPECT_EQ(c.previous_token, 0u);
  EXPECT_EQ(c.cooldown_left_ms, 0);
}

TEST(player_registry, a_drop_resumes_within_the_grace_period_with_its_samples) {
  player_registry r;
  (void)r.claim("s", "u", hub_a, 1, 0, grace);
  r.release("s", "u", 1, 1000, {10.0, 20.0}, release_reason::dropped);
  const auto c = r.claim("s", "u", hub_b, 2, 1000 + grace, grace);
  EXPECT_TRUE(c.resumed);
  EXPECT_EQ(c.samples, (std::vector<double>{10.0, 20.0}));
  EXPECT_EQ(c.previous_hub, hub_a);
  EXPECT_EQ(c.previous_token, 1u);
  EXPECT_FALSE(c.previous_live);
}

TEST(player_registry, a_drop_past_the_grace_period_is_a_new_player) {
  player_registry r;
  (void)r.claim("s", "u", hub_a, 1, 0, grace);
  r.release("s", "u", 1, 1000, {10.0}, release_reason::dropped);
  const auto c = r.claim("s", "u", hub_a, 2, 1001 + grace, grace);
  EXPECT_FALSE(c.resumed);
  EXPECT_TRUE(c.samples.empty());
}

TEST(player_registry, after_a_leave_the_next_claim_is_a_new_player) {
  player_registry r;
  (void)r.claim("s", "u", hub_a, 1, 0, grace);
  r.release("s", "u", 1, 1000, {10.0}, release_reason::left);
  const auto c = r.claim("s", "u", hub_a, 2, 1100, grace);
  EXPECT_FALSE(c.resumed);
  EXPECT_TRUE(c.samples.empty());
}

TEST(player_registry, a_kick_refuses_claims_for_the_cooldown_then_starts_afresh) {
  player_registry r;
  (void)r.claim("s", "u", hub_a, 1, 0, grace);
  r.release("s", "u", 1, 1000, {300.0}, release_reason::kicked, 30'000);
  auto c = r.claim("s", "u", hub_a, 2, 1500, grace);
  EXPECT_EQ(c.cooldown_left_ms, 29'500);
  EXPECT_EQ(c.previous_token, 0u);
  // Refused claims claim nothing: still refused, and a later try is too.
  c = r.claim("s", "u", hub_b, 3, 30'999, grace);
  EXPECT_EQ(c.cooldown_left_ms, 1);
  c = r.claim("s", "u", hub_b, 4, 31'000, grace);
  EXPECT_EQ(c.cooldown_left_ms, 0);
  EXPECT_FALSE(c.resumed);
  EXPECT_TRUE(c.samples.empty());
  // Other players of the session are not affected.
  EXPECT_EQ(r.claim("s", "other", hub_a, 5, 1500, grace).cooldown_left_ms, 0);
}

TEST(player_registry, a_second_live_connection_replaces_the_first) {
  player_registry r;
  (void)r.claim("s", "u", hub_a, 1, 0, grace);
  const auto c = r.claim("s", "u", hub_b, 2, 5, grace);
  EXPECT_TRUE(c.previous_live);
  EXPECT_TRUE(c.resumed);
  EXPECT_EQ(c.previous_hub, hub_a);
  EXPECT_EQ(c.previous_token, 1u);
  // The replaced connection's late release changes nothing.
  r.release("s", "u", 1, 10, {}, release_reason::kicked, 30'000);
  const auto again = r.claim("s", "u", hub_a, 3, 20, grace);
  EXPECT_EQ(again.cooldown_left_ms, 0);
  EXPECT_TRUE(again.previous_live);
  EXPECT_EQ(again.previous_token, 2u);
}

TEST(player_registry, a_kicked_player_cooling_down_does_not_hold_back_the_drops_after_it) {
  player_registry r;
  (void)r.claim("s", "kicked", hub_a, 1, 0, grace);
  (void)r.claim("s", "dropped", hub_a, 2, 0, grace);
  r.release("s", "kicked", 1, 0, {}, release_reason::kicked, 60'000);
  r.release("s", "dropped", 2, 1, {}, release_reason::dropped);
  (void)r.claim("s", "next", hub_a, 3, grace + 2, grace);
  EXPECT_EQ(r.size(), 2u);  // kicked (cooling down) and next
}

TEST(player_registry, a_join_storm_keeps_only_what_can_still_matter) {
  // 20,000 players come and go, one new join per ms: only those released
  // within the grace period (and the live) are held.
  player_registry r;
  for (std::uint64_t k = 1; k <= 20'000; ++k) {
    const auto now = static_cast<std::int64_t>(k);
    (void)r.claim("s", "u" + std::to_string(k), hub_a, k, now, grace);
    r.release("s", "u" + std::to_string(k), k, now, {});
  }
  EXPECT_LE(r.size(), static_cast<std::size_t>(grace) + 2);
  // A player who dropped within the grace period still resumes.
  EXPECT_TRUE(r.claim("s", "u20000", hub_b, 30'000, 20'001, grace).resumed);
}

TEST(player_registry, stale_entries_go_and_kicked_ones_stay_until_their_cooldown_ends) {
  player_registry r;
  for (std::uint64_t k = 1; k <= 3; ++k) (void)r.claim("s", "u" + std::to_string(k), hub_a, k, 0, grace);
  r.release("s", "u1", 1, 0, {}, release_reason::dropped);
  r.release("s", "u2", 2, 0, {}, release_reason::kicked, 60'000);
  (void)r.claim("s", "late", hub_a, 9, grace + 1, grace);
  EXPECT_EQ(r.size(), 3u);  // u2 (cooling down), u3 (live), late
  (void)r.claim("s", "later", hub_a, 10, 60'000, grace);
  EXPECT_EQ(r.size(), 3u);  // u2 went: u3, late, later
  r.forget_session("s");
  EXPECT_EQ(r.size(), 0u);
}

}  // namespace
}  // namespace metronome::broadcast

#include <gtest/gtest.h>

#include "metronome/edge/session_cache.hpp"

namespace metronome::edge {
namespace {

TEST(session_cache, serves_entries_until_the_ttl_then_drops_them) {
  session_cache c(10, 30'000, 30'000);
  c.put("g1", cached_session{"eu", "{}"}, 1000);
  ASSERT_TRUE(c.get("g1", 30'999));
  EXPECT_EQ(c.get("g1", 30'999)->region, "eu");
  EXPECT_FALSE(c.get("g1", 31'000));
  EXPECT_EQ(c.size(), 0u);
}

TEST(session_cache, evicts_the_least_recently_used_past_its_capacity) {
  session_cache c(2, 60'000, 60'000);
  c.put("a", {"eu", "{}"}, 0);
  c.put("b", {"us", "{}"}, 0);
  ASSERT_TRUE(c.get("a", 1));  // a is now the most recent
  c.put("c", {"asia", "{}"}, 2);
  EXPECT_TRUE(c.get("a", 3));
  EXPECT_FALSE(c.get("b", 3));
  EXPECT_TRUE(c.get("c", 3));
  c.erase("a");
  EXPECT_FALSE(c.get("a", 4));
}

TEST(session_cache, an_active_entry_is_served_only_within_the_active_bound) {
  session_cache c(10, 30'000, 1'000);
  c.put("running", cached_session{"eu", "{}", true}, 0);
  c.put("ended", cached_session{"eu", "{}", false}, 0);
  EXPECT_TRUE(c.get("running", 999));
  EXPECT_FALSE(c.get("running", 1'000));  // the caller reads the store again
  EXPECT_TRUE(c.get("ended", 29'999));    // an end is final: the whole TTL
  EXPECT_FALSE(c.get("ended", 30'000));
  // Its owner still routes (exit, replay) until the TTL: owners never change.
  EXPECT_FALSE(c.owner("running", 0).has_value());  // dropped by the get above
  c.put("running", cached_session{"eu", "{}", true}, 0);
  EXPECT_EQ(c.owner("running", 29'999).value_or(""), "eu");
  EXPECT_FALSE(c.owner("running", 30'000));
  EXPECT_FALSE(c.owner("unknown", 0));
  // The bound never exceeds the TTL.
  session_cache d(10, 500, 1'000);
  d.put("running", cached_session{"eu", "{}", true}, 0);
  EXPECT_FALSE(d.get("running", 500));
}

}  // namespace
}  // namespace metronome::edge

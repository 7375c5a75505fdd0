#include <gtest/gtest.h>

#include "metronome/edge/region_directory.hpp"

namespace metronome::edge {
namespace {

TEST(region_directory, a_half_open_breaker_lets_exactly_one_trial_through) {
  region_directory d(breaker_settings{.failures_to_open = 3, .cooldown_ms = 1000}, 30'000);
  ASSERT_TRUE(d.add_static("eu", "http://127.0.0.1:8081"));
  d.record_probe("eu", true, 1.0);
  for (int i = 0; i < 3; ++i) d.record_failure("eu", 0);
  EXPECT_EQ(d.find("eu", 500)->breaker, "open");
  EXPECT_FALSE(d.find("eu", 500)->healthy);
  EXPECT_EQ(d.find("eu", 1000)->breaker, "half-open");
  EXPECT_TRUE(d.find("eu", 1000)->healthy);
  d.begin_request("eu", 1000);  // the trial
  EXPECT_FALSE(d.find("eu", 1001)->healthy) << "a second request must wait for the trial's outcome";
  d.record_failure("eu", 1001);
  EXPECT_EQ(d.find("eu", 1500)->breaker, "open");  // reopened for another cool-down
  d.begin_request("eu", 2100);
  d.record_success("eu");
  EXPECT_EQ(d.find("eu", 2100)->breaker, "closed");
  EXPECT_TRUE(d.find("eu", 2100)->healthy);
}

TEST(region_directory, heartbeats_expire_after_three_intervals_and_come_back) {
  region_directory d(breaker_settings{}, 1000);
  d.merge_registered({{"asia", "http://127.0.0.1:8083", "", 0, 10'000}});
  d.record_probe("asia", true, 2.0);
  EXPECT_TRUE(d.find("asia", 12'999)->healthy);
  EXPECT_FALSE(d.find("asia", 13'001)->healthy);
  EXPECT_EQ(d.find("asia", 13'001)->heartbeat_fresh, false);
  d.merge_registered({{"asia", "http://127.0.0.1:8083", "", 0, 13'500}});
  EXPECT_TRUE(d.find("asia", 13'600)->healthy);
}

TEST(region_directory, a_region_that_moves_is_not_trusted_until_probed_at_its_new_address) {
  region_directory d(breaker_settings{}, 1000);
  d.merge_registered({{"us", "http://127.0.0.1:8082", "", 0, 100}});
  d.record_probe("us", true, 1.0);
  EXPECT_TRUE(d.find("us", 200)->healthy);
  d.merge_registered({{"us", "http://127.0.0.1:9082", "", 0, 300}});
  EXPECT_FALSE(d.find("us", 400)->healthy);
  d.record_probe("us", true, 1.0);
  EXPECT_TRUE(d.find("us", 400)->healthy);
}

TEST(region_directory, healthy_regions_come_lowest_rtt_first) {
  region_directory d(breaker_settings{}, 1000);
  ASSERT_TRUE(d.add_static("eu", "http://127.0.0.1:8081"));
  ASSERT_TRUE(d.add_static("us", "http://127.0.0.1:8082"));
  ASSERT_TRUE(d.add_static("asia", "http://127.0.0.1:8083"));
  d.record_probe("eu", true, 9.0);
  d.record_probe("us", true, 2.0);
  d.record_probe("asia", false, 1.0);
  const auto h = d.healthy(0);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].name, "us");
  EXPECT_EQ(d.healthy(0, "us").front().name, "eu");
  EXPECT_FALSE(d.add_static("bad", "ftp://x"));
  EXPECT_FALSE(d.add_static("Bad_Name", "http://127.0.0.1:8084"));
  EXPECT_FALSE(d.find("Bad_Name", 0));
}

region_view named(const std::string& name, std::int64_t connections = -1) {
  region_view v;
  v.name = name;
  v.healthy = true;
  v.connections = connections;
  return v;
}

TEST(region_selection, lowest_rtt_takes_the_fastest_healthy_measured_region) {
  const std::vector<region_view> healthy = {named("eu"), named("us"), named("asia")};
  EXPECT_EQ(lowest_rtt(healthy, {{"eu", 80}, {"us", 31.5}, {"asia", 200}})->name, "us");
  // Unknown or unhealthy names are ignored; one measured healthy region suffices.
  EXPECT_EQ(lowest_rtt(healthy, {{"mars", 1}, {"asia", 90}})->name, "asia");
  EXPECT_EQ(lowest_rtt({named("eu"), named("asia")}, {{"us", 1}, {"asia", 90}})->name, "asia");
  EXPECT_FALSE(lowest_rtt(healthy, {{"mars", 1}}).has_value());
  EXPECT_FALSE(lowest_rtt(healthy, {}).has_value());
  // A tie goes to the first in the directory's order.
  EXPECT_EQ(lowest_rtt(healthy, {{"asia", 10}, {"us", 10}})->name, "us");
}

TEST(region_selection, less_loaded_only_when_the_difference_reaches_the_threshold) {
  const std::vector<region_view> healthy = {named("eu", 120), named("us", 60), named("asia", 75)};
  EXPECT_EQ(less_loaded(healthy[0], healthy, 50)->name, "us");  // 120 - 60 = 60 >= 50
  EXPECT_FALSE(less_loaded(healthy[0], healthy, 61).has_value());
  EXPECT_FALSE(less_loaded(healthy[1], healthy, 1).has_value());  // us is the least loaded
  EXPECT_EQ(less_loaded(healthy[2], healthy, 15)->name, "us");
  // Unknown loads never move a start.
  EXPECT_FALSE(less_loaded(named("eu"), healthy, 1).has_value());
  EXPECT_FALSE(less_loaded(named("eu", 500), {named("eu", 500), named("us")}, 1).has_value());
}

}  // namespace
}  // namespace metronome::edge

// region.up / region.down come from region_directory::watch_health: one
// announcement per change, the first one when a region is first healthy.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "metronome/edge/region_directory.hpp"

namespace metronome::edge {
namespace {

TEST(region_watch, announces_each_change_once_with_its_reason) {
  region_directory d(breaker_settings{.failures_to_open = 1, .cooldown_ms = 10'000}, 1000);
  ASSERT_TRUE(d.add_static("eu", "http://127.0.0.1:8081"));
  d.merge_registered({{"asia", "http://127.0.0.1:8083", "", 0, 0}});
  std::vector<std::string> heard;
  d.set_health_listener([&](const region_view& v, bool up, std::string_view reason) {
    heard.push_back(v.name + (up ? " up " : " down ") + std::string(reason));
  });
  d.watch_health(0);
  EXPECT_TRUE(heard.empty()) << "nothing before the first probe";
  d.record_probe("eu", false, 0);
  d.watch_health(10);
  EXPECT_TRUE(heard.empty()) << "a region never seen healthy is not announced down";
  d.record_probe("eu", true, 1.0);
  d.record_probe("asia", true, 1.0);
  d.watch_health(20);
  d.watch_health(30);
  EXPECT_EQ(heard, (std::vector<std::string>{"asia up healthy", "eu up healthy"}));
  heard.clear();
  d.record_failure("eu", 40);  // opens the breaker
  d.watch_health(3500);        // and asia's heartbeat is stale by now
  EXPECT_EQ(heard, (std::vector<std::string>{"asia down heartbeat", "eu down breaker"}));
  heard.clear();
  d.record_success("eu");
  d.watch_health(3600);
  d.record_probe("eu", false, 0);
  d.watch_health(3700);
  EXPECT_EQ(heard, (std::vector<std::string>{"eu up healthy", "eu down probe"}));
}

}  // namespace
}  // namespace metronome::edge

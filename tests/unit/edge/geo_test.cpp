#include <gtest/gtest.h>

#include "metronome/edge/geo.hpp"

namespace metronome::edge {
namespace {

TEST(client_address, believes_x_forwarded_for_only_from_trusted_proxies) {
  const auto trusted = *address_set::parse("10.0.0.0/8, 127.0.0.1");
  EXPECT_EQ(client_address("203.0.113.9", "8.8.8.8", trusted), "203.0.113.9");  // peer not trusted
  EXPECT_EQ(client_address("127.0.0.1", "8.8.8.8", trusted), "8.8.8.8");
  // The right-most untrusted hop: a client cannot spoof by prepending.
  EXPECT_EQ(client_address("127.0.0.1", "1.2.3.4, 8.8.8.8, 10.1.2.3", trusted), "8.8.8.8");
  EXPECT_EQ(client_address("127.0.0.1", "", trusted), "127.0.0.1");
  EXPECT_FALSE(address_set::parse("10.0.0.0/33"));
  EXPECT_FALSE(address_set::parse("not-an-ip"));
}

TEST(country_map, maps_continents_to_regions_with_overrides) {
  const auto m = *country_map::with_overrides("jp=us, BR=eu");
  EXPECT_EQ(m.region_for("DE"), "eu");
  EXPECT_EQ(m.region_for("us"), "us");
  EXPECT_EQ(m.region_for("JP"), "us");
  EXPECT_EQ(m.region_for("BR"), "eu");
  EXPECT_EQ(m.region_for("SG"), "asia");
  EXPECT_FALSE(m.region_for("AQ"));
  EXPECT_FALSE(country_map::with_overrides("Germany=eu"));
}

TEST(geoip_lookup, finds_countries_offline_in_debians_database) {
  const geoip_lookup g("/usr/share/GeoIP/GeoIP.dat", "/usr/share/GeoIP/GeoIPv6.dat");
  ASSERT_TRUE(g.available()) << "install geoip-database (scripts/setup.sh does)";
  EXPECT_EQ(g.country_of("8.8.8.8"), "US");
  EXPECT_FALSE(g.country_of("127.0.0.1"));
  EXPECT_FALSE(g.country_of("not an address"));
}

}  // namespace
}  // namespace metronome::edge

#include <gtest/gtest.h>

#include "metronome/engine/detail/splitmix.hpp"
#include "metronome/engine/seed.hpp"

namespace metronome::engine {
namespace {

TEST(splitmix64, matches_published_reference_outputs) {
  // The first three outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
  EXPECT_EQ(detail::splitmix64_at(0, 1), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(detail::splitmix64_at(0, 2), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(detail::splitmix64_at(0, 3), 0x06C45D188009454FULL);
}

TEST(seed, decimal_strings_are_numbers) {
  EXPECT_EQ(parse_seed("0"), 0u);
  EXPECT_EQ(parse_seed("987654321"), 987654321u);
  EXPECT_EQ(parse_seed("007"), 7u);
  EXPECT_EQ(parse_seed("18446744073709551615"), UINT64_MAX);
}

TEST(seed, other_strings_are_hashed_with_fnv1a_then_mix64) {
  // FNV-1a 64 reference values: "a" -> af63dc4c8601ec8c, "foobar" -> 85944171f73967e8.
  EXPECT_EQ(parse_seed("a"), detail::mix64(0xAF63DC4C8601EC8CULL));
  EXPECT_EQ(parse_seed("foobar"), detail::mix64(0x85944171F73967E8ULL));
  EXPECT_EQ(hash_seed_string(""), detail::mix64(0xCBF29CE484222325ULL));
  // One past 2^64 - 1, signs and spaces are strings, not numbers.
  EXPECT_EQ(parse_seed("18446744073709551616"), hash_seed_string("18446744073709551616"));
  EXPECT_EQ(parse_seed("-1"), hash_seed_string("-1"));
  EXPECT_EQ(parse_seed(" 1"), hash_seed_string(" 1"));
  EXPECT_NE(parse_seed("550e8400-e29b-41d4-a716-446655440000"), parse_seed("550e8400-e29b-41d4-a716-446655440001"));
}

TEST(seed, empty_is_refused) { EXPECT_FALSE(parse_seed("").has_value()); }

}  // namespace
}  // namespace metronome::engine

namespace metronome::engine {
namespace {

TEST(mul_high64, matches_128_bit_multiplication) {
  __extension__ using u128 = unsigned __int128;
  std::uint64_t x = 0x123456789ABCDEFULL, y = 0xFEDCBA9876543210ULL;
  for (int i = 0; i < 100'000; ++i) {
    x = detail::mix64(x + 1);
    y = detail::mix64(y + 3);
    ASSERT_EQ(detail::mul_high64(x, y), static_cast<std::uint64_t>((u128{x} * y) >> 64));
  }
  EXPECT_EQ(detail::mul_high64(UINT64_MAX, UINT64_MAX), UINT64_MAX - 1);
}

}  // namespace
}  // namespace metronome::engine

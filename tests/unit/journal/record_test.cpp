#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "metronome/journal/record.hpp"

namespace metronome::journal {
namespace {

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

struct seen {
  std::uint64_t sequence;
  std::string payload;
  bool operator==(const seen&) const = default;
};

scan_result scan(const std::string& s, std::vector<seen>& out, std::uint64_t min = 0) {
  return scan_records(bytes_of(s), min, [&](std::uint64_t q, std::string_view p) { out.push_back({q, std::string(p)}); });
}

TEST(journal_record, round_trips_records_in_order) {
  std::string log;
  append_record(log, 7, "first");
  append_record(log, 8, "");
  append_record(log, 20, std::string(100000, 'x'));
  std::vector<seen> out;
  const auto r = scan(log, out);
  EXPECT_EQ(r.stop, scan_stop::end);
  EXPECT_EQ(r.records, 3u);
  EXPECT_EQ(r.valid_bytes, log.size());
  EXPECT_EQ(r.last_sequence, 20u);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (seen{7, "first"}));
  EXPECT_EQ(out[1], (seen{8, ""}));
  EXPECT_EQ(out[2].payload.size(), 100000u);
}

TEST(journal_record, the_header_layout_is_as_documented) {
  std::string log;
  append_record(log, 0x0102030405060708ull, "ab");
  ASSERT_EQ(log.size(), record_header_bytes + 2);
  EXPECT_EQ(static_cast<unsigned char>(log[0]), 2u);  // length, little-endian
  EXPECT_EQ(log[1], 0);
  EXPECT_EQ(static_cast<unsigned char>(log[8]), 0x08u);  // sequence, little-endian
  EXPECT_EQ(static_cast<unsigned char>(log[15]), 0x01u);
  EXPECT_EQ(log.substr(16), "ab");
}

TEST(journal_record, the_checksum_is_crc32c_over_length_sequence_and_payload) {
  // Expected value from an independent bitwise CRC-32C (poly 0x82F63B78
  // reflected, which gives 0xE3069283 for "123456789") over the same bytes.
  std::string log;
  append_record(log, 1, "tick one");
  std::uint32_t crc = 0;
  for (int i = 3; i >= 0; --i) crc = (crc << 8) | static_cast<unsigned char>(log[4 + static_cast<std::size_t>(i)]);
  EXPECT_EQ(crc, 0xa1a707cfu);
}

TEST(journal_record, a_record_cut_at_any_byte_is_truncated_and_never_passed_on) {
  std::string log;
  append_record(log, 1, "kept");
  const std::size_t whole = log.size();
  append_record(log, 2, "the torn one");
  for (std::size_t cut = whole; cut < log.size(); ++cut) {
    std::vector<seen> out;
    const auto r = scan(log.substr(0, cut), out);
    EXPECT_EQ(r.records, 1u) << "cut at " << cut;
    EXPECT_EQ(r.valid_bytes, whole);
    EXPECT_EQ(r.stop, cut == whole ? scan_stop::end : scan_stop::truncated);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].payload, "kept");
  }
}

TEST(journal_record, any_flipped_bit_stops_the_scan_at_that_record) {
  std::string log;
  append_record(log, 1, "kept");
  const std::size_t whole = log.size();
  append_record(log, 2, "flipped");
  append_record(log, 3, "after");
  const std::size_t second_end = whole + record_header_bytes + 7;
  for (std::size_t at = whole; at < second_end; ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = log;
      bad[at] = static_cast<char>(bad[at] ^ (1 << bit));
      std::vector<seen> out;
      const auto r = scan(bad, out);
      EXPECT_EQ(r.records, 1u) << "byte " << at << " bit " << bit;
      EXPECT_EQ(r.valid_bytes, whole);
      EXPECT_NE(r.stop, scan_stop::end);
    }
  }
}

TEST(journal_record, sequences_must_increase_and_start_at_the_minimum) {
  std::string log;
  append_record(log, 5, "a");
  append_record(log, 5, "again");
  std::vector<seen> out;
  auto r = scan(log, out);
  EXPECT_EQ(r.records, 1u);
  EXPECT_EQ(r.stop, scan_stop::out_of_order);
  out.clear();
  r = scan(log, out, 6);
  EXPECT_EQ(r.records, 0u);
  EXPECT_EQ(r.stop, scan_stop::out_of_order);
}

TEST(journal_record, a_length_over_the_limit_is_refused_before_reading) {
  std::string log(record_header_bytes, '\0');
  const std::uint32_t huge = max_record_bytes + 1;
  for (int i = 0; i < 4; ++i) log[static_cast<std::size_t>(i)] = static_cast<char>((huge >> (8 * i)) & 0xff);
  std::vector<seen> out;
  EXPECT_EQ(scan(log, out).stop, scan_stop::bad_length);
}

}  // namespace
}  // namespace metronome::journal

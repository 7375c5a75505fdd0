#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "journal_test_dir.hpp"
#include "metronome/journal/log.hpp"

namespace metronome::journal {
namespace {

using testing::temp_dir;

std::vector<std::pair<std::uint64_t, std::string>> read_all(const std::filesystem::path& dir, std::uint64_t from = 0,
                                                            log_report* report = nullptr) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  auto r = read_log(dir, from, [&](std::uint64_t q, std::string_view p) { out.emplace_back(q, std::string(p)); });
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (r && report) *report = *r;
  return out;
}

std::vector<std::filesystem::path> segments(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<log_writer> open_or_fail(log_options o) {
  auto w = log_writer::open(std::move(o));
  if (!w) throw std::runtime_error(w.error().message);
  return std::move(*w);
}

TEST(journal_log, appended_records_are_read_back_after_reopening) {
  temp_dir d;
  {
    auto w = open_or_fail({.dir = d.path()});
    for (std::uint64_t t = 1; t <= 100; ++t) ASSERT_TRUE(w->append(t, "tick " + std::to_string(t)));
    EXPECT_EQ(w->durable_sequence(), 100u);
  }
  auto all = read_all(d.path());
  ASSERT_EQ(all.size(), 100u);
  EXPECT_EQ(all.front(), (std::pair<std::uint64_t, std::string>{1, "tick 1"}));
  EXPECT_EQ(all.back().first, 100u);
  auto from = read_all(d.path(), 61);
  ASSERT_EQ(from.size(), 40u);
  EXPECT_EQ(from.front().first, 61u);

  auto w = open_or_fail({.dir = d.path()});
  EXPECT_EQ(w->last_sequence(), 100u);
  EXPECT_EQ(w->opened().records, 100u);
  EXPECT_FALSE(w->append(100, "again"));  // not above the last
  ASSERT_TRUE(w->append(101, "more"));
  w.reset();
  EXPECT_EQ(read_all(d.path()).size(), 101u);
}

TEST(journal_log, batched_writes_become_durable_together) {
  temp_dir d;
  auto w = open_or_fail({.dir = d.path(), .records_per_write = 4});
  for (std::uint64_t t = 1; t <= 3; ++t) ASSERT_TRUE(w->append(t, "x"));
  EXPECT_EQ(w->last_sequence(), 3u);
  EXPECT_FALSE(w->durable_sequence().has_value());
  EXPECT_TRUE(read_all(d.path()).empty());  // nothing written yet
  ASSERT_TRUE(w->append(4, "x"));
  EXPECT_EQ(w->durable_sequence(), 4u);
  ASSERT_TRUE(w->append(5, "x"));
  ASSERT_TRUE(w->flush());
  EXPECT_EQ(w->durable_sequence(), 5u);
  EXPECT_EQ(read_all(d.path()).size(), 5u);
}

TEST(journal_log, segments_roll_and_old_ones_are_removed_below_a_sequence) {
  temp_dir d;
  auto w = open_or_fail({.dir = d.path(), .segment_bytes = 200});
  const std::string payload(54, 'p');  // 70 bytes a record: the third reaches 200, so 3 per segment
  for (std::uint64_t t = 1; t <= 10; ++t) ASSERT_TRUE(w->append(t, payload));
  ASSERT_EQ(segments(d.path()).size(), 4u);  // 1-3, 4-6, 7-9, 10
  EXPECT_EQ(segments(d.path()).front().filename(), "00000000000000000001.log");
  auto removed = w->remove_segments_before(8);  // 1-3 and 4-6 hold nothing at or above 8
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 2u);
  auto all = read_all(d.path());
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.front().first, 7u);
  EXPECT_EQ(*w->remove_segments_before(1000), 1u);  // never the one being written
  EXPECT_EQ(read_all(d.path()).front().first, 10u);
}

TEST(journal_log, a_torn_tail_is_dropped_reported_and_appending_continues) {
  temp_dir d;
  {
    auto w = open_or_fail({.dir = d.path()});
    for (std::uint64_t t = 1; t <= 5; ++t) ASSERT_TRUE(w->append(t, "record " + std::to_string(t)));
  }
  const auto seg = segments(d.path()).front();
  const auto size = std::filesystem::file_size(seg);
  std::filesystem::resize_file(seg, size - 3);  // a crash in the middle of record 5
  log_report report;
  auto all = read_all(d.path(), 0, &report);
  EXPECT_EQ(all.size(), 4u);
  EXPECT_EQ(report.tail, scan_stop::truncated);
  EXPECT_GT(report.dropped_tail_bytes, 0u);

  auto w = open_or_fail({.dir = d.path()});
  EXPECT_EQ(w->last_sequence(), 4u);
  EXPECT_EQ(w->opened().tail, scan_stop::truncated);
  ASSERT_TRUE(w->append(5, "rewritten"));
  w.reset();
  all = read_all(d.path(), 0, &report);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.back().second, "rewritten");
  EXPECT_EQ(report.tail, scan_stop::end);
}

TEST(journal_log, garbage_after_the_last_record_is_a_torn_tail) {
  temp_dir d;
  {
    auto w = open_or_fail({.dir = d.path()});
    ASSERT_TRUE(w->append(1, "one"));
  }
  {
    std::ofstream f(segments(d.path()).front(), std::ios::app | std::ios::binary);
    f << std::string(40, '\x7f');
  }
  log_report report;
  EXPECT_EQ(read_all(d.path(), 0, &report).size(), 1u);
  EXPECT_NE(report.tail, scan_stop::end);
  EXPECT_EQ(report.dropped_tail_bytes, 40u);
}

TEST(journal_log, corruption_in_an_older_segment_fails_reading_and_opening) {
  temp_dir d;
  {
    auto w = open_or_fail({.dir = d.path(), .segment_bytes = 100});
    for (std::uint64_t t = 1; t <= 6; ++t) ASSERT_TRUE(w->append(t, std::string(40, 'q')));
  }
  const auto segs = segments(d.path());
  ASSERT_GE(segs.size(), 2u);
  {
    std::fstream f(segs.front(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('!');
  }
  auto r = read_log(d.path(), 0, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("corrupt"), std::string::npos);
  EXPECT_FALSE(log_writer::open({.dir = d.path()}));
}

TEST(journal_log, an_empty_newest_segment_left_by_a_crash_is_replaced) {
  temp_dir d;
  {
    auto w = open_or_fail({.dir = d.path()});
    ASSERT_TRUE(w->append(1, "one"));
  }
  { std::ofstream(d.path() / "00000000000000000002.log", std::ios::binary) << "par"; }  // created, record torn
  auto w = open_or_fail({.dir = d.path()});
  EXPECT_EQ(w->last_sequence(), 1u);
  ASSERT_TRUE(w->append(2, "two"));
  w.reset();
  EXPECT_EQ(read_all(d.path()).size(), 2u);
}

TEST(journal_log, a_missing_directory_is_an_empty_log_and_bad_options_are_refused) {
  temp_dir d;
  log_report report;
  EXPECT_TRUE(read_all(d.path() / "nothing", 0, &report).empty());
  EXPECT_EQ(report.segments, 0u);
  auto w = log_writer::open({.dir = d.path(), .records_per_write = 0});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace metronome::journal

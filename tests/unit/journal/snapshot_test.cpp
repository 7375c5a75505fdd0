#include <gtest/gtest.h>

#include <fstream>

#include "journal_test_dir.hpp"
#include "metronome/journal/snapshot.hpp"

namespace metronome::journal {
namespace {

using testing::temp_dir;

std::size_t files_in(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(journal_snapshot, the_newest_is_loaded_and_older_ones_beyond_keep_removed) {
  temp_dir d;
  ASSERT_TRUE(write_snapshot(d.path(), 10, "state at 10"));
  ASSERT_TRUE(write_snapshot(d.path(), 20, "state at 20"));
  ASSERT_TRUE(write_snapshot(d.path(), 30, "state at 30"));
  EXPECT_EQ(files_in(d.path()), 2u);  // keep = 2, no temporary left
  auto s = load_newest_snapshot(d.path());
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->newest.has_value());
  EXPECT_EQ(s->newest->sequence, 30u);
  EXPECT_EQ(s->newest->payload, "state at 30");
  EXPECT_EQ(s->skipped, 0u);
}

TEST(journal_snapshot, at_most_picks_the_newest_at_or_before_a_sequence) {
  temp_dir d;
  ASSERT_TRUE(write_snapshot(d.path(), 10, "state at 10", 3));
  ASSERT_TRUE(write_snapshot(d.path(), 20, "state at 20", 3));
  ASSERT_TRUE(write_snapshot(d.path(), 30, "state at 30", 3));
  auto s = load_newest_snapshot(d.path(), 29);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->newest.has_value());
  EXPECT_EQ(s->newest->payload, "state at 20");
  s = load_newest_snapshot(d.path(), 20);
  ASSERT_TRUE(s && s->newest);
  EXPECT_EQ(s->newest->sequence, 20u);
  auto all = list_snapshots(d.path());
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, (std::vector<std::uint64_t>{10, 20, 30}));
  s = load_newest_snapshot(d.path(), 9);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->newest.has_value());
}

TEST(journal_snapshot, a_torn_or_corrupt_newest_falls_back_to_the_one_before) {
  temp_dir d;
  ASSERT_TRUE(write_snapshot(d.path(), 10, "good"));
  ASSERT_TRUE(write_snapshot(d.path(), 20, std::string(1000, 'n')));
  const auto newest = d.path() / "00000000000000000020.snap";
  std::filesystem::resize_file(newest, std::filesystem::file_size(newest) - 1);
  auto s = load_newest_snapshot(d.path());
  ASSERT_TRUE(s && s->newest);
  EXPECT_EQ(s->newest->sequence, 10u);
  EXPECT_EQ(s->skipped, 1u);

  // A file whose record names another sequence than its file name.
  ASSERT_TRUE(write_snapshot(d.path(), 30, "x", 5));
  std::filesystem::rename(d.path() / "00000000000000000030.snap", d.path() / "00000000000000000040.snap");
  s = load_newest_snapshot(d.path());
  ASSERT_TRUE(s && s->newest);
  EXPECT_EQ(s->newest->sequence, 10u);
  EXPECT_EQ(s->skipped, 2u);
}

TEST(journal_snapshot, none_in_a_missing_or_foreign_directory) {
  temp_dir d;
  auto s = load_newest_snapshot(d.path() / "absent");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->newest.has_value());
  { std::ofstream(d.path() / "notes.txt") << "not a snapshot"; }
  s = load_newest_snapshot(d.path());
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->newest.has_value());
}

}  // namespace
}  // namespace metronome::journal

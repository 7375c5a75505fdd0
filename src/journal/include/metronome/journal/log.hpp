// An append-only log of records in segment files, for replay after a crash.
//
// Layout: `dir/<first sequence, 20 digits>.log`, one file per segment, each a
// run of records framed as record.hpp says. Sequences increase across the
// whole log. A record is durable once `durable_sequence()` reaches it: with
// `fsync` on, it was written and fdatasync'ed, so it survives kill -9 and a
// power cut; with `fsync` off it survives kill -9 only.
//
// Torn tail: a crash can leave the newest segment ending in part of a record.
// Opening a writer drops that tail (truncating the file) and reports it;
// reading reports it and never passes it on. Anything invalid in an older
// segment is corruption, not a torn write: open and read fail with it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/journal/record.hpp"

namespace metronome::journal {

struct log_options {
  std::filesystem::path dir;                  ///< Created if missing. Holds nothing but this log.
  std::uint64_t segment_bytes = 64ull << 20;  ///< A segment this large (bytes) is closed; the next record begins a new one.
  std::uint32_t records_per_write = 1;        ///< Records gathered before one write (1 = every append writes at once).
  bool fsync = true;                          ///< fdatasync after every write (false: the OS decides; kill -9 safe, power cut not).
};

/// What reading or opening a log found.
struct log_report {
  std::size_t segments = 0;
  std::size_t records = 0;
  std::optional<std::uint64_t> first_sequence;  ///< Of the first record read.
  std::optional<std::uint64_t> last_sequence;   ///< Of the last valid record.
  std::size_t dropped_tail_bytes = 0;           ///< Bytes after the last valid record of the newest segment.
  scan_stop tail = scan_stop::end;              ///< Why the newest segment stopped there.
};

/// Calls `on_record` for every valid record with sequence >= `from`, in
/// order. A missing directory is an empty log.
result<log_report> read_log(const std::filesystem::path& dir, std::uint64_t from,
                            const std::function<void(std::uint64_t sequence, std::string_view payload)>& on_record);

class log_writer {
 public:
  /// Opens (or creates) the log, checks every segment, drops a torn tail of
  /// the newest one and continues after its last valid record.
  static result<std::unique_ptr<log_writer>> open(log_options options);

  log_writer(const log_writer&) = delete;
  log_writer& operator=(const log_writer&) = delete;
  ~log_writer();  ///< Flushes what is buffered (call flush() first to see errors).

  /// Adds a record. `sequence` must be above every earlier one (else
  /// invalid_argument, nothing written). Writes when `records_per_write`
  /// records are gathered. After an I/O error the writer refuses every
  /// further call (the file's end is unknown); reopen to continue.
  result<void> append(std::uint64_t sequence, std::string_view payload);
  /// Writes and (with fsync) syncs everything gathered so far.
  result<void> flush();

  /// The last sequence appended (possibly still buffered).
  std::optional<std::uint64_t> last_sequence() const noexcept { return last_; }
  /// The last sequence written (and synced, with fsync on).
  std::optional<std::uint64_t> durable_sequence() const noexcept { return durable_; }
  /// What open() found on disk.
  const log_report& opened() const noexcept { return opened_; }

  /// Removes the segments every record of which is below `sequence` (never
  /// the one being written). Returns how many were removed.
  result<std::size_t> remove_segments_before(std::uint64_t sequence);

 private:
  struct segment {
    std::uint64_t first = 0;
    std::filesystem::path path;
  };
  explicit log_writer(log_options options);
  result<void> write_pending();
  result<void> begin_segment(std::uint64_t first);

  log_options options_;
  std::vector<segment> segments_;  // oldest first; the last is being written
  int fd_ = -1;                    // of segments_.back(), or -1 before the first record of a new segment
  std::uint64_t segment_size_ = 0;
  std::string pending_;
  std::uint32_t pending_records_ = 0;
  std::optional<std::uint64_t> pending_last_;
  std::optional<std::uint64_t> last_;
  std::optional<std::uint64_t> durable_;
  bool failed_ = false;
  log_report opened_;
};

}  // namespace metronome::journal

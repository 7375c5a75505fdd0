#include "metronome/journal/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <span>

#include "detail/file.hpp"

namespace metronome::journal {
namespace {

constexpr std::string_view segment_suffix = ".log";

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

metronome::error corrupt(const std::filesystem::path& path, std::string_view why) {
  return make_error(errc::internal, "corrupt log segment " + path.string() + ": " + std::string(why));
}

// Scans every segment in order. `on_segment(index, file, bytes, scan)` sees
// each one after its scan; the newest may end in a torn tail, any older one
// must end cleanly and the segment's name must be its first sequence.
template <class OnSegment>
result<log_report> scan_log(const std::filesystem::path& dir, std::uint64_t from,
                            const std::function<void(std::uint64_t, std::string_view)>& on_record, OnSegment on_segment) {
  auto files = detail::list_numbered(dir, segment_suffix);
  if (!files) return files.error();
  log_report report;
  report.segments = files->size();
  std::optional<std::uint64_t> last;
  for (std::size_t i = 0; i < files->size(); ++i) {
    const auto& file = (*files)[i];
    const bool newest = i + 1 == files->size();
    auto bytes = detail::read_file(file.path);
    if (!bytes) return bytes.error();
    std::optional<std::uint64_t> first_here;
    const scan_result scan = scan_records(as_bytes(*bytes), last ? *last + 1 : 0, [&](std::uint64_t seq, std::string_view payload) {
      if (!first_here) first_here = seq;
      if (seq < from) return;
      if (!report.first_sequence) report.first_sequence = seq;
      ++report.records;
      if (on_record) on_record(seq, payload);
    });
    if (first_here && *first_here != file.number) return corrupt(file.path, "its first record is not the sequence it is named for");
    if (!newest && scan.stop != scan_stop::end) return corrupt(file.path, scan_stop_name(scan.stop));
    if (!newest && scan.records == 0) return corrupt(file.path, "an older segment without records");
    if (scan.records > 0) last = scan.last_sequence;
    if (newest) {
      report.dropped_tail_bytes = bytes->size() - scan.valid_bytes;
      report.tail = scan.stop;
    }
    if (auto r = on_segment(i, file, bytes->size(), scan); !r) return r.error();
  }
  report.last_sequence = last;
  return report;
}

}  // namespace

result<log_report> read_log(const std::filesystem::path& dir, std::uint64_t from,
                            const std::function<void(std::uint64_t, std::string_view)>& on_record) {
  return scan_log(dir, from, on_record,
                  [](std::size_t, const detail::numbered_file&, std::size_t, const scan_result&) { return result<void>{}; });
}

log_writer::log_writer(log_options options) : options_(std::move(options)) {}

result<std::unique_ptr<log_writer>> log_writer::open(log_options options) {
  if (options.records_per_write == 0) return make_error(errc::invalid_argument, "records_per_write must be at least 1");
  if (auto r = detail::make_dirs(options.dir); !r) return r.error();
  std::unique_ptr<log_writer> w(new log_writer(std::move(options)));
  // Open the newest segment for appending, after its last valid record.
  auto report = scan_log(w->options_.dir, 0, nullptr,
                         [&](std::size_t, const detail::numbered_file& file, std::size_t, const scan_result& scan) -> result<void> {
                           w->segments_.push_back({file.number, file.path});
                           w->segment_size_ = scan.valid_bytes;  // the newest one's counts
                           return {};
                         });
  if (!report) return report.error();
  w->opened_ = *report;
  w->last_ = report->last_sequence;
  w->durable_ = report->last_sequence;
  if (w->segments_.empty()) return w;
  const segment& newest = w->segments_.back();
  if (w->segment_size_ == 0) {
    // Nothing valid in it (a crash right after it was created): start over.
    std::error_code ec;
    std::filesystem::remove(newest.path, ec);
    if (ec) return make_error(errc::unavailable, "remove " + newest.path.string() + ": " + ec.message());
    w->segments_.pop_back();
    if (auto r = detail::sync_dir(w->options_.dir); !r) return r.error();
    return w;
  }
  auto fd = detail::open_file(newest.path, O_WRONLY);
  if (!fd) return fd.error();
  if (report->dropped_tail_bytes > 0) {
    if (::ftruncate(fd->get(), static_cast<off_t>(w->segment_size_)) != 0) return detail::io_error("ftruncate", newest.path, errno);
    if (auto r = detail::sync_data(fd->get(), newest.path); !r) return r.error();
  }
  if (::lseek(fd->get(), static_cast<off_t>(w->segment_size_), SEEK_SET) < 0) return detail::io_error("lseek", newest.path, errno);
  w->fd_ = fd->release();
  return w;
}

log_writer::~log_writer() {
  if (!failed_) (void)flush();
  if (fd_ >= 0) ::close(fd_);
}

result<void> log_writer::append(std::uint64_t sequence, std::string_view payload) {
  if (failed_) return make_error(errc::unavailable, "the log had a write error; reopen it");
  if (payload.size() > max_record_bytes) return make_error(errc::payload_too_large, "a log record is limited to 64 MiB");
  if (last_ && sequence <= *last_) {
    return make_error(errc::invalid_argument, "log sequence " + std::to_string(sequence) + " is not above " + std::to_string(*last_));
  }
  if (fd_ < 0 || segment_size_ + pending_.size() >= options_.segment_bytes) {
    if (auto r = write_pending(); !r) return r;
    if (auto r = begin_segment(sequence); !r) return r;
  }
  append_record(pending_, sequence, payload);
  ++pending_records_;
  pending_last_ = sequence;
  last_ = sequence;
  if (pending_records_ >= options_.records_per_write) return write_pending();
  return {};
}

result<void> log_writer::flush() {
  if (failed_) return make_error(errc::unavailable, "the log had a write error; reopen it");
  return write_pending();
}

result<void> log_writer::write_pending() {
  if (pending_.empty()) return {};
  const auto& path = segments_.back().path;
  auto r = detail::write_all(fd_, pending_, path);
  if (r && options_.fsync) r = detail::sync_data(fd_, path);
  if (!r) {
    failed_ = true;
    return r;
  }
  segment_size_ += pending_.size();
  pending_.clear();
  pending_records_ = 0;
  durable_ = pending_last_;
  return {};
}

result<void> log_writer::begin_segment(std::uint64_t first) {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  segment s{first, options_.dir / detail::numbered_name(first, segment_suffix)};
  auto fd = detail::open_file(s.path, O_WRONLY | O_CREAT | O_EXCL);
  if (!fd) {
    failed_ = true;
    return fd.error();
  }
  // The new name must survive a crash before its first record is read back.
  if (auto r = detail::sync_dir(options_.dir); !r) {
    failed_ = true;
    return r;
  }
  fd_ = fd->release();
  segment_size_ = 0;
  segments_.push_back(std::move(s));
  return {};
}

result<std::size_t> log_writer::remove_segments_before(std::uint64_t sequence) {
  std::size_t removed = 0;
  // Segment i holds sequences below segment i+1's first: removable when that
  // first is at most `sequence`. The newest is never removed.
  while (segments_.size() >= 2 && segments_[1].first <= sequence) {
    std::error_code ec;
    std::filesystem::remove(segments_.front().path, ec);
    if (ec) return make_error(errc::unavailable, "remove " + segments_.front().path.string() + ": " + ec.message());
    segments_.erase(segments_.begin());
    ++removed;
  }
  if (removed > 0) {
    if (auto r = detail::sync_dir(options_.dir); !r) return r.error();
  }
  return removed;
}

}  // namespace metronome::journal

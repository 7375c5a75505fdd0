// POSIX file calls the log and the snapshots share, with errors as results.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"

namespace metronome::journal::detail {

/// Owns a file descriptor; closes it on destruction.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd();

  int get() const noexcept { return fd_; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

/// An `errc::unavailable` error naming the call, the path and errno's text.
metronome::error io_error(std::string_view call, const std::filesystem::path& path, int err);

result<unique_fd> open_file(const std::filesystem::path& path, int flags, unsigned mode = 0644);
result<void> write_all(int fd, std::string_view bytes, const std::filesystem::path& path);
/// fdatasync: the data and what is needed to read it back (size), not mtime.
result<void> sync_data(int fd, const std::filesystem::path& path);
/// fsync of a directory, so that a file created, renamed or removed in it stays so.
result<void> sync_dir(const std::filesystem::path& dir);
/// The whole file.
result<std::string> read_file(const std::filesystem::path& path);
result<void> make_dirs(const std::filesystem::path& dir);

/// "<number, 20 digits><suffix>": numbered files sort by name as by number.
std::string numbered_name(std::uint64_t number, std::string_view suffix);

struct numbered_file {
  std::uint64_t number = 0;
  std::filesystem::path path;
};
/// The files of `dir` named as numbered_name(N, suffix), by N ascending;
/// other names are ignored. A missing directory has none.
result<std::vector<numbered_file>> list_numbered(const std::filesystem::path& dir, std::string_view suffix);

}  // namespace metronome::journal::detail

#include "detail/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace metronome::journal::detail {

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

metronome::error io_error(std::string_view call, const std::filesystem::path& path, int err) {
  return make_error(errc::unavailable, std::string(call) + " " + path.string() + ": " + std::strerror(err));
}

result<unique_fd> open_file(const std::filesystem::path& path, int flags, unsigned mode) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return io_error("open", path, errno);
  return unique_fd(fd);
}

result<void> write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

result<void> sync_data(int fd, const std::filesystem::path& path) {
  if (::fdatasync(fd) != 0) return io_error("fdatasync", path, errno);
  return {};
}

result<void> sync_dir(const std::filesystem::path& dir) {
  auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return fd.error();
  if (::fsync(fd->get()) != 0) return io_error("fsync", dir, errno);
  return {};
}

result<std::string> read_file(const std::filesystem::path& path) {
  auto fd = open_file(path, O_RDONLY);
  if (!fd) return fd.error();
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

result<void> make_dirs(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(errc::unavailable, "create " + dir.string() + ": " + ec.message());
  return {};
}

std::string numbered_name(std::uint64_t number, std::string_view suffix) {
  char digits[21];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(number));
  return std::string(digits) + std::string(suffix);
}

result<std::vector<numbered_file>> list_numbered(const std::filesystem::path& dir, std::string_view suffix) {
  std::vector<numbered_file> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 20 + suffix.size() || name.compare(20, suffix.size(), suffix) != 0) continue;
    std::uint64_t n = 0;
    const auto [ptr, err] = std::from_chars(name.data(), name.data() + 20, n);
    if (err != std::errc() || ptr != name.data() + 20) continue;
    out.push_back({n, it->path()});
  }
  if (ec) return make_error(errc::unavailable, "list " + dir.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const numbered_file& a, const numbered_file& b) { return a.number < b.number; });
  return out;
}

}  // namespace metronome::journal::detail

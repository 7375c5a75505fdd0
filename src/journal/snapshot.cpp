#include "metronome/journal/snapshot.hpp"

#include <fcntl.h>

#include <cstring>
#include <span>

#include "detail/file.hpp"
#include "metronome/journal/record.hpp"

namespace metronome::journal {
namespace {

constexpr std::string_view magic = "MTSNAP1\n";
constexpr std::string_view snapshot_suffix = ".snap";

// A whole snapshot file: the magic, then exactly one record named for it.
std::optional<snapshot> parse(const std::string& bytes, std::uint64_t named) {
  if (bytes.size() < magic.size() || bytes.compare(0, magic.size(), magic) != 0) return std::nullopt;
  const auto body = std::as_bytes(std::span(bytes.data() + magic.size(), bytes.size() - magic.size()));
  std::optional<snapshot> out;
  const scan_result scan = scan_records(body, 0, [&](std::uint64_t seq, std::string_view payload) {
    if (!out) out = snapshot{seq, std::string(payload)};
  });
  if (scan.stop != scan_stop::end || scan.records != 1 || out->sequence != named) return std::nullopt;
  return out;
}

}  // namespace

result<void> write_snapshot(const std::filesystem::path& dir, std::uint64_t sequence, std::string_view payload, std::size_t keep) {
  if (payload.size() > max_record_bytes) return make_error(errc::payload_too_large, "a snapshot is limited to 64 MiB");
  if (auto r = detail::make_dirs(dir); !r) return r.error();
  const auto final_path = dir / detail::numbered_name(sequence, snapshot_suffix);
  const auto temp_path = dir / (".tmp-" + detail::numbered_name(sequence, snapshot_suffix));
  std::string bytes(magic);
  append_record(bytes, sequence, payload);
  {
    auto fd = detail::open_file(temp_path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) return fd.error();
    if (auto r = detail::write_all(fd->get(), bytes, temp_path); !r) return r;
    if (auto r = detail::sync_data(fd->get(), temp_path); !r) return r;
  }
  std::error_code ec;
  std::filesystem::rename(temp_path, final_path, ec);
  if (ec) return make_error(errc::unavailable, "rename " + temp_path.string() + ": " + ec.message());
  if (auto r = detail::sync_dir(dir); !r) return r;

  auto files = detail::list_numbered(dir, snapshot_suffix);
  if (!files) return files.error();
  const std::size_t keep_n = keep == 0 ? 1 : keep;
  for (std::size_t i = 0; i + keep_n < files->size(); ++i) {
    std::filesystem::remove((*files)[i].path, ec);
    if (ec) return make_error(errc::unavailable, "remove " + (*files)[i].path.string() + ": " + ec.message());
  }
  return {};
}

result<std::vector<std::uint64_t>> list_snapshots(const std::filesystem::path& dir) {
  auto files = detail::list_numbered(dir, snapshot_suffix);
  if (!files) return files.error();
  std::vector<std::uint64_t> out;
  for (const auto& f : *files) out.push_back(f.number);
  return out;
}

result<snapshot_load> load_newest_snapshot(const std::filesystem::path& dir, std::uint64_t at_most) {
  auto files = detail::list_numbered(dir, snapshot_suffix);
  if (!files) return files.error();
  snapshot_load out;
  for (auto it = files->rbegin(); it != files->rend(); ++it) {
    if (it->number > at_most) continue;
    auto bytes = detail::read_file(it->path);
    if (!bytes) return bytes.error();
    if (auto s = parse(*bytes, it->number)) {
      out.newest = std::move(*s);
      return out;
    }
    ++out.skipped;
  }
  return out;
}

}  // namespace metronome::journal

// Whole-state snapshots: `dir/<sequence, 20 digits>.snap`, each the 8-byte
// magic "MTSNAP1\n" followed by one record (record.hpp) whose sequence is the
// snapshot's and whose payload is the state. Written to a temporary name,
// fdatasync'ed, renamed, then the directory fsync'ed: a snapshot file is
// either whole or absent after any crash. Loading skips invalid files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"

namespace metronome::journal {

struct snapshot {
  std::uint64_t sequence = 0;  ///< The last log record the state includes.
  std::string payload;
};

/// Writes the snapshot, then removes all but the newest `keep` (at least 1).
result<void> write_snapshot(const std::filesystem::path& dir, std::uint64_t sequence, std::string_view payload, std::size_t keep = 2);

struct snapshot_load {
  std::optional<snapshot> newest;  ///< The newest valid snapshot, if any.
  std::size_t skipped = 0;         ///< Newer files that were invalid (torn, corrupt, misnamed).
};

/// The sequences of the snapshot files in `dir`, ascending (validity unchecked).
result<std::vector<std::uint64_t>> list_snapshots(const std::filesystem::path& dir);

/// The newest valid snapshot whose sequence is at most `at_most` (replay of
/// an earlier point). A missing directory holds no snapshot.
result<snapshot_load> load_newest_snapshot(const std::filesystem::path& dir, std::uint64_t at_most = UINT64_MAX);

}  // namespace metronome::journal

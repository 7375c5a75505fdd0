// The sessions schema and its migrations, versioned by PRAGMA user_version.
// The DDL itself is in sqlite_schema.cpp and documented in docs/storage.md.
#pragma once

#include "metronome/core/result.hpp"
#include "sqlite/sqlite_connection.hpp"

namespace metronome::store::detail {

/// The user_version this build writes and understands.
inline constexpr int schema_version = 4;

/// Brings the file to schema_version: reads user_version and applies the
/// missing migrations, all inside one BEGIN IMMEDIATE transaction, so several
/// processes opening one new file at once create the schema exactly once.
/// A file already at schema_version costs one short transaction.
/// errc::unavailable if the file is from a newer build or already holds a
/// `sessions` table this code did not create; errc::timeout when busy.
result<void> migrate(sqlite_connection& c);

}  // namespace metronome::store::detail

// session_record <-> a row of the sessions table. Every SELECT of a whole
// record lists record_columns, and the INSERT binds the same order, so the
// mapping lives in one place.
#pragma once

#include <string_view>

#include "metronome/core/result.hpp"
#include "metronome/store/session.hpp"
#include "sqlite/sqlite_statement.hpp"

namespace metronome::store::detail {

/// Column order of a record in SELECTs and of parameters ?1..?15 in the INSERT.
inline constexpr std::string_view record_columns =
    "id, user_id, region, seed, mode, commitment, salt, start_at_ms, tick_ms, rule_json, status, created_at_ms, "
    "ended_at_ms, metadata_json, key_digest";
inline constexpr int record_column_count = 15;

/// Binds every field of r to parameters 1..14 of s. The seed is stored as the
/// int64 with the same bits (SQLite integers are signed 64-bit); read_record
/// converts back, so every uint64 survives.
void bind_record(statement& s, const session_record& r) noexcept;

/// Reads the record at the current row of s (columns in record_columns order,
/// starting at column 0). errc::internal if the row holds a status or mode this
/// build does not know (a newer writer or a hand-edited file).
result<session_record> read_record(const statement& s);

}  // namespace metronome::store::detail

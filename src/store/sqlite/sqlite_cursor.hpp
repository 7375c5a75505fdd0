// The list_by_user page cursor: the (created_at_ms, id) of the last record a
// page returned; the next page starts strictly after it in newest-first
// order (keyset pagination: stable under inserts, no OFFSET scans).
//
// Wire form, opaque to callers: "s1." <created_at_ms in decimal> "." <id as
// lowercase hex>. "s1" versions the format; hex keeps any id byte-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "metronome/core/result.hpp"

namespace metronome::store::detail {

struct cursor_position {
  std::int64_t created_at_ms = 0;
  std::string id;
};

/// Longest cursor decode_cursor accepts (ids up to about 1000 bytes).
inline constexpr std::size_t max_cursor_chars = 2048;

std::string encode_cursor(std::int64_t created_at_ms, std::string_view id);

/// errc::invalid_argument for anything encode_cursor could not have made.
result<cursor_position> decode_cursor(std::string_view cursor);

}  // namespace metronome::store::detail

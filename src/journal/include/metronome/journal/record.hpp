// The log's record framing, as pure functions over bytes (no I/O), so the
// writer, the reader and the fuzzer share one definition.
//
// A record, little-endian (docs/journal.md):
//   offset 0   u32  payload length L (at most max_record_bytes)
//   offset 4   u32  CRC-32C of bytes [0, 4) and [8, 16 + L)
//   offset 8   u64  sequence number (strictly increasing within a log)
//   offset 16  L    payload
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace metronome::journal {

inline constexpr std::size_t record_header_bytes = 16;
inline constexpr std::uint32_t max_record_bytes = 64u << 20;  ///< 64 MiB: larger payloads are refused.

/// Appends one framed record to `out`.
void append_record(std::string& out, std::uint64_t sequence, std::string_view payload);

/// Why a scan stopped before the end of its bytes.
enum class scan_stop {
  end,           ///< Every byte belonged to a valid record.
  truncated,     ///< The last record is incomplete (a torn write).
  bad_checksum,  ///< A record's checksum does not match.
  bad_length,    ///< A length over max_record_bytes.
  out_of_order,  ///< A sequence not above the one before it.
};

std::string_view scan_stop_name(scan_stop s) noexcept;

struct scan_result {
  std::size_t valid_bytes = 0;      ///< Bytes of the records accepted, from the start.
  std::size_t records = 0;          ///< Records accepted.
  std::uint64_t last_sequence = 0;  ///< Of the last accepted record (meaningless when records == 0).
  scan_stop stop = scan_stop::end;
};

/// Walks the records at the start of `bytes`, calling `on_record` for each
/// valid one in order, and stops at the first invalid one. The first
/// sequence must be at least `min_sequence`, each later one above the one
/// before. Never reads past `bytes`; never throws for any input (fuzzed by
/// tests/fuzz/fuzz_journal_records.cpp).
scan_result scan_records(std::span<const std::byte> bytes, std::uint64_t min_sequence,
                         const std::function<void(std::uint64_t sequence, std::string_view payload)>& on_record);

}  // namespace metronome::journal

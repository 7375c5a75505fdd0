#include "metronome/journal/record.hpp"

#include <boost/crc.hpp>
#include <cstring>

namespace metronome::journal {
namespace {

// CRC-32C (Castagnoli), reflected, as iSCSI, ext4 and most logs use it.
using crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

void put_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xffu);
}
void put_u64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xffu);
}
std::uint32_t get_u32(const std::byte* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint32_t>(p[i]);
  return v;
}
std::uint64_t get_u64(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
  return v;
}

std::uint32_t checksum(const void* length4, const void* rest, std::size_t rest_bytes) {
  crc32c crc;
  crc.process_bytes(length4, 4);
  crc.process_bytes(rest, rest_bytes);
  return crc.checksum();
}

}  // namespace

void append_record(std::string& out, std::uint64_t sequence, std::string_view payload) {
  const std::size_t at = out.size();
  out.resize(at + record_header_bytes);
  char* h = out.data() + at;
  put_u32(h, static_cast<std::uint32_t>(payload.size()));
  put_u64(h + 8, sequence);
  out.append(payload);
  h = out.data() + at;  // append may have moved the buffer
  put_u32(h + 4, checksum(h, h + 8, 8 + payload.size()));
}

std::string_view scan_stop_name(scan_stop s) noexcept {
  switch (s) {
    case scan_stop::end: return "end";
    case scan_stop::truncated: return "truncated";
    case scan_stop::bad_checksum: return "bad_checksum";
    case scan_stop::bad_length: return "bad_length";
    case scan_stop::out_of_order: return "out_of_order";
  }
  return "unknown";
}

scan_result scan_records(std::span<const std::byte> bytes, std::uint64_t min_sequence,
                         const std::function<void(std::uint64_t, std::string_view)>& on_record) {
  scan_result r;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::size_t left = bytes.size() - at;
    if (left < record_header_bytes) {
      r.stop = scan_stop::truncated;
      break;
    }
    const std::byte* h = bytes.data() + at;
    const std::uint32_t length = get_u32(h);
    if (length > max_record_bytes) {
      r.stop = scan_stop::bad_length;
      break;
    }
    if (left - record_header_bytes < length) {
      r.stop = scan_stop::truncated;
      break;
    }
    if (checksum(h, h + 8, 8 + std::size_t{length}) != get_u32(h + 4)) {
      r.stop = scan_stop::bad_checksum;
      break;
    }
    const std::uint64_t sequence = get_u64(h + 8);
    if (r.records == 0 ? sequence < min_sequence : sequence <= r.last_sequence) {
      r.stop = scan_stop::out_of_order;
      break;
    }
    on_record(sequence, std::string_view(reinterpret_cast<const char*>(h + record_header_bytes), length));
    r.last_sequence = sequence;
    ++r.records;
    at += record_header_bytes + length;
    r.valid_bytes = at;
  }
  return r;
}

}  // namespace metronome::journal

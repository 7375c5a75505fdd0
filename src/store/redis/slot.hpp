// Redis Cluster key slots: CRC16-XMODEM of the key (or of its hash tag, the
// text between the first '{' and the next '}' when that is non-empty),
// modulo 16384 — the same rule as redis/src/cluster.c keyHashSlot().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"
#include "redis/reply.hpp"

namespace metronome::store::detail::redis {

inline constexpr int slot_count = 16384;

std::uint16_t crc16(std::string_view bytes) noexcept;
int key_slot(std::string_view key) noexcept;

/// One master's share of the slot map.
struct slot_range {
  int first = 0;
  int last = 0;  ///< Inclusive.
  std::string host;
  std::uint16_t port = 0;
};

/// Parses a CLUSTER SLOTS reply ([[first, last, [host, port, id, ...],
/// replicas...], ...]); only masters are kept. An empty host means the node
/// that answered (`asked_host`). errc::internal for anything malformed.
result<std::vector<slot_range>> parse_cluster_slots(reply_view reply, std::string_view asked_host);

}  // namespace metronome::store::detail::redis

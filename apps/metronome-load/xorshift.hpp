// xorshift64: cheap pseudo-random words for mask keys, handshake keys and the
// bots' walks. Not for security.
#pragma once

#include <cstdint>

namespace metronome::load {

struct xorshift64 {
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;  ///< never 0
  std::uint64_t next() noexcept {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
};

}  // namespace metronome::load

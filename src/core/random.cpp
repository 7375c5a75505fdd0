#include "metronome/core/random.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace metronome {

void secure_random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("getrandom");
      std::abort();
    }
    done += static_cast<std::size_t>(n);
  }
}

std::uint64_t random_seed() {
  std::array<std::uint8_t, 8> b{};
  secure_random_bytes(b);
  std::uint64_t v = 0;
  for (const auto byte : b) v = (v << 8) | byte;
  return v >> 11;  // 53 bits
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (const auto b : bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 0xF]);
  }
  return s;
}

std::string random_hex(std::size_t n) {
  std::string s;
  std::array<std::uint8_t, 32> chunk{};
  while (n > 0) {
    const std::size_t take = n < chunk.size() ? n : chunk.size();
    secure_random_bytes(std::span(chunk.data(), take));
    s += to_hex(std::span(chunk.data(), take));
    n -= take;
  }
  return s;
}

std::string random_uuid() {
  std::array<std::uint8_t, 16> b{};
  secure_random_bytes(b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  const std::string h = to_hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace metronome

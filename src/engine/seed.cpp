#include "metronome/engine/seed.hpp"

#include "metronome/engine/detail/splitmix.hpp"

namespace metronome::engine {

std::uint64_t hash_seed_string(std::string_view bytes) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a 64 offset basis
  for (const char ch : bytes) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001B3ULL;  // FNV-1a 64 prime
  }
  return detail::mix64(h);
}

std::optional<std::uint64_t> parse_seed(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  if (text.size() <= 20) {
    std::uint64_t value = 0;
    bool numeric = true;
    for (const char ch : text) {
      if (ch < '0' || ch > '9') {
        numeric = false;
        break;
      }
      const auto digit = static_cast<std::uint64_t>(ch - '0');
      if (value > (UINT64_MAX - digit) / 10) {  // would exceed 2^64 - 1
        numeric = false;
        break;
      }
      value = value * 10 + digit;
    }
    if (numeric) return value;
  }
  return hash_seed_string(text);
}

}  // namespace metronome::engine

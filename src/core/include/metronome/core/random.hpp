// Unpredictable values from the kernel's CSPRNG (getrandom(2)): session ids,
// seeds, salts, request ids.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace metronome {

/// Fills `out` from getrandom(2); aborts if the kernel cannot (never expected).
void secure_random_bytes(std::span<std::uint8_t> out);

/// A uniformly random integer in [0, 2^53 - 1]: exact as a JavaScript number.
std::uint64_t random_seed();

/// A random (version 4) UUID, lower-case: "550e8400-e29b-41d4-a716-446655440000".
std::string random_uuid();

/// `n` random bytes as lower-case hex.
std::string random_hex(std::size_t n);

/// Lower-case hex of bytes.
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace metronome

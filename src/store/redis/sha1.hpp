// SHA-1, only to name Lua scripts for EVALSHA (Redis identifies a cached
// script by the hex SHA-1 of its body). Not for anything security-related.
// Computed by OpenSSL's libcrypto (EVP_Digest).
#pragma once

#include <string>
#include <string_view>

namespace metronome::store::detail::redis {

/// Lowercase hex digest, 40 characters.
std::string sha1_hex(std::string_view data);

}  // namespace metronome::store::detail::redis

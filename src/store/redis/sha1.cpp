#include "redis/sha1.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace metronome::store::detail::redis {

std::string sha1_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // EVP_Digest fails only when OpenSSL cannot allocate or SHA-1 is disabled
  // by policy; either way no script could be named, so fail loudly at start-up.
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha1(), nullptr) != 1 || size != 20) {
    throw std::runtime_error("OpenSSL cannot compute SHA-1");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0x0F]);
  }
  return out;
}

}  // namespace metronome::store::detail::redis

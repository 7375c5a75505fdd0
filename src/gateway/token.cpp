#include "metronome/gateway/token.hpp"

#include <fcntl.h>
#include <jwt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "metronome/world/command.hpp"

namespace metronome::gateway {
namespace {

struct jwt_deleter {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;

token_check refuse(std::string code, std::string message) { return {std::nullopt, std::move(code), std::move(message), 0}; }

/// An integer claim, or nullopt when absent (libjwt reports absence in errno).
std::optional<long> int_claim(jwt_t* j, const char* name) {
  errno = 0;
  const long v = jwt_get_grant_int(j, name);
  if (errno != 0) return std::nullopt;
  return v;
}

}  // namespace

token_check verify_token(std::string_view token, const token_config& config, std::int64_t now_s) {
  if (token.empty()) return refuse("missing_token", "a token is required (Authorization: Bearer, or ?token=)");
  if (token.size() > 4096) return refuse("bad_token", "token longer than 4096 bytes");
  const std::string text(token);
  jwt_t* raw = nullptr;
  const auto* key = reinterpret_cast<const unsigned char*>(config.secret.data());
  // libjwt verifies the signature with the algorithm the token names, and
  // refuses alg "none" when given a key; the algorithm is then pinned below.
  if (jwt_decode(&raw, text.c_str(), key, static_cast<int>(config.secret.size())) != 0 || raw == nullptr) {
    return refuse("bad_token", "not a JWT, or its signature does not verify");
  }
  const jwt_ptr j(raw);
  if (jwt_get_alg(j.get()) != JWT_ALG_HS256) return refuse("bad_token", "alg must be HS256");
  const std::optional<long> exp = int_claim(j.get(), "exp");
  if (!exp) return refuse("bad_token", "exp is required");
  if (now_s > *exp + config.leeway_s) return refuse("token_expired", "the token has expired");
  if (const std::optional<long> nbf = int_claim(j.get(), "nbf"); nbf && now_s + config.leeway_s < *nbf) {
    return refuse("token_not_yet_valid", "the token is not valid yet (nbf)");
  }
  const char* iss = jwt_get_grant(j.get(), "iss");
  if (iss == nullptr || config.issuer != iss) return refuse("bad_token", "wrong or missing iss");
  const char* aud = jwt_get_grant(j.get(), "aud");
  if (aud == nullptr || config.audience != aud) return refuse("bad_token", "wrong or missing aud");
  const char* sub = jwt_get_grant(j.get(), "sub");
  if (sub == nullptr || !world::valid_key(sub)) return refuse("bad_token", "sub must be 1 to 64 bytes without control characters");
  return {std::string(sub), {}, {}, *exp + config.leeway_s};
}

std::string sign_token(std::string_view sub, std::int64_t ttl_s, const token_config& config, std::int64_t now_s) {
  if (!world::valid_key(sub)) throw std::invalid_argument("sub must be 1 to 64 bytes without control characters");
  if (ttl_s < 1 || ttl_s > 366LL * 24 * 3600) throw std::invalid_argument("ttl must be from 1 to 31622400 seconds");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  const jwt_ptr j(raw);
  const std::string s(sub);
  const auto* key = reinterpret_cast<const unsigned char*>(config.secret.data());
  if (jwt_add_grant(j.get(), "sub", s.c_str()) != 0 || jwt_add_grant(j.get(), "iss", config.issuer.c_str()) != 0 ||
      jwt_add_grant(j.get(), "aud", config.audience.c_str()) != 0 || jwt_add_grant_int(j.get(), "iat", static_cast<long>(now_s)) != 0 ||
      jwt_add_grant_int(j.get(), "nbf", static_cast<long>(now_s)) != 0 ||
      jwt_add_grant_int(j.get(), "exp", static_cast<long>(now_s + ttl_s)) != 0 ||
      jwt_set_alg(j.get(), JWT_ALG_HS256, key, static_cast<int>(config.secret.size())) != 0) {
    throw std::runtime_error("libjwt could not build the token");
  }
  char* out = jwt_encode_str(j.get());
  if (out == nullptr) throw std::runtime_error("libjwt could not sign the token");
  std::string token(out);
  std::free(out);  // NOLINT(cppcoreguidelines-no-malloc): libjwt allocates with malloc
  return token;
}

std::string load_or_create_secret(const std::filesystem::path& data_dir) {
  const std::filesystem::path file = data_dir / "world-secret";
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) throw std::runtime_error("cannot create " + data_dir.string() + ": " + ec.message());
  // O_EXCL: of two processes starting at once, one creates and both read the same secret.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) {
    unsigned char bytes[32];
    std::ifstream random("/dev/urandom", std::ios::binary);
    random.read(reinterpret_cast<char*>(bytes), sizeof bytes);
    if (!random) {
      ::close(fd);
      ::unlink(file.c_str());
      throw std::runtime_error("cannot read /dev/urandom");
    }
    static const char* digits = "0123456789abcdef";
    std::string hex;
    for (const unsigned char b : bytes) {
      hex += digits[b >> 4];
      hex += digits[b & 15];
    }
    hex += '\n';
    const bool written = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size());
    ::close(fd);
    if (!written) throw std::runtime_error("cannot write " + file.string());
  } else if (errno != EEXIST) {
    throw std::runtime_error("cannot create " + file.string());
  }
  std::ifstream in(file);
  std::string secret;
  std::getline(in, secret);
  if (secret.size() < 32) throw std::runtime_error(file.string() + " holds no usable secret (at least 32 characters)");
  return secret;
}

}  // namespace metronome::gateway

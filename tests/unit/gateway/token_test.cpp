#include <gtest/gtest.h>
#include <jwt.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "metronome/gateway/token.hpp"

namespace metronome::gateway {
namespace {

const token_config cfg{.secret = "0123456789abcdef0123456789abcdef", .issuer = "metronome", .audience = "metronome-world"};
constexpr std::int64_t now = 1'800'000'000;

/// A token made with libjwt directly, to forge what sign_token never makes.
std::string forge(jwt_alg_t alg, const std::string& secret, std::initializer_list<std::pair<const char*, const char*>> strings,
                  std::initializer_list<std::pair<const char*, long>> ints) {
  jwt_t* j = nullptr;
  jwt_new(&j);
  for (const auto& [k, v] : strings) jwt_add_grant(j, k, v);
  for (const auto& [k, v] : ints) jwt_add_grant_int(j, k, v);
  jwt_set_alg(j, alg, alg == JWT_ALG_NONE ? nullptr : reinterpret_cast<const unsigned char*>(secret.data()),
              alg == JWT_ALG_NONE ? 0 : static_cast<int>(secret.size()));
  char* s = jwt_encode_str(j);
  std::string out = s ? s : "";
  std::free(s);  // NOLINT(cppcoreguidelines-no-malloc)
  jwt_free(j);
  return out;
}

TEST(token, signed_token_verifies_and_names_the_player) {
  const std::string t = sign_token("alice", 60, cfg, now);
  const token_check c = verify_token(t, cfg, now + 10);
  ASSERT_TRUE(c.sub) << c.code << ": " << c.message;
  EXPECT_EQ(*c.sub, "alice");
}

TEST(token, every_refusal_has_its_code) {
  const std::string good = sign_token("alice", 60, cfg, now);
  token_config other = cfg;
  other.secret = "another secret, another secret!!";
  const auto claims = [](const char* iss, const char* aud, long exp) {
    return forge(JWT_ALG_HS256, cfg.secret, {{"sub", "bob"}, {"iss", iss}, {"aud", aud}}, {{"exp", exp}});
  };
  struct case_t {
    std::string token;
    std::int64_t at;
    std::string code;
  };
  const std::vector<case_t> cases{
      {"", now, "missing_token"},
      {"not.a.jwt", now, "bad_token"},
      {good, now + 60 + 31, "token_expired"},
      {good, now - 31, "token_not_yet_valid"},
      {sign_token("alice", 60, other, now), now, "bad_token"},  // bad signature
      {good.substr(0, good.size() - 2) + (good.back() == 'A' ? "BB" : "AA"), now, "bad_token"},
      {forge(JWT_ALG_NONE, "", {{"sub", "bob"}, {"iss", "metronome"}, {"aud", "metronome-world"}}, {{"exp", now + 60}}), now, "bad_token"},
      {forge(JWT_ALG_HS512, cfg.secret, {{"sub", "bob"}, {"iss", "metronome"}, {"aud", "metronome-world"}}, {{"exp", now + 60}}), now,
       "bad_token"},
      {forge(JWT_ALG_HS384, cfg.secret, {{"sub", "bob"}, {"iss", "metronome"}, {"aud", "metronome-world"}}, {{"exp", now + 60}}), now,
       "bad_token"},
      {forge(JWT_ALG_HS256, cfg.secret, {{"sub", "bob"}, {"iss", "metronome"}, {"aud", "metronome-world"}}, {}), now,
       "bad_token"},  // no exp
      {claims("someone", "metronome-world", now + 60), now, "bad_token"},
      {claims("metronome", "elsewhere", now + 60), now, "bad_token"},
      {forge(JWT_ALG_HS256, cfg.secret, {{"iss", "metronome"}, {"aud", "metronome-world"}}, {{"exp", now + 60}}), now, "bad_token"},
      {forge(JWT_ALG_HS256, cfg.secret, {{"sub", "a\tb"}, {"iss", "metronome"}, {"aud", "metronome-world"}}, {{"exp", now + 60}}), now,
       "bad_token"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const token_check c = verify_token(cases[i].token, cfg, cases[i].at);
    EXPECT_FALSE(c.sub) << i;
    EXPECT_EQ(c.code, cases[i].code) << i << ": " << c.message;
    EXPECT_FALSE(c.message.empty());
  }
  // The same HS256 forge with every claim right is accepted: the refusals above are the claims'.
  EXPECT_TRUE(verify_token(claims("metronome", "metronome-world", now + 60), cfg, now).sub);
}

TEST(token, sign_refuses_bad_arguments) {
  EXPECT_THROW(sign_token("", 60, cfg, now), std::invalid_argument);
  EXPECT_THROW(sign_token("alice", 0, cfg, now), std::invalid_argument);
}

TEST(token, secret_is_created_once_with_mode_0600) {
  const auto dir = std::filesystem::temp_directory_path() / ("gw-secret-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string a = load_or_create_secret(dir / "nested");
  const std::string b = load_or_create_secret(dir / "nested");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "nested" / "world-secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace metronome::gateway

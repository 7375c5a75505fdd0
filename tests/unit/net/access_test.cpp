// net/access.hpp: constant-time secrets, Bearer parsing, the auth modes and
// the per-client token buckets (time passed in, so every case is exact).
#include "metronome/net/access.hpp"

#include <gtest/gtest.h>

namespace metronome::net {
namespace {

request with_authorization(std::string value) {
  request r;
  r.headers.emplace_back("authorization", std::move(value));
  return r;
}

TEST(access, secrets_match_only_whole_and_never_an_empty_expected_one) {
  EXPECT_TRUE(secret_equals("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(secret_equals("s3cret-tokeN", "s3cret-token"));
  EXPECT_FALSE(secret_equals("s3cret", "s3cret-token"));
  EXPECT_FALSE(secret_equals("s3cret-token-and-more", "s3cret-token"));
  EXPECT_FALSE(secret_equals("", ""));
}

TEST(access, the_bearer_scheme_is_read_in_any_case) {
  EXPECT_EQ(bearer_token(with_authorization("Bearer abc")), "abc");
  EXPECT_EQ(bearer_token(with_authorization("bearer abc")), "abc");
  EXPECT_EQ(bearer_token(with_authorization("BEARER  abc")), "abc");
  EXPECT_EQ(bearer_token(with_authorization("Basic abc")), "");
  EXPECT_EQ(bearer_token(with_authorization("Bearer")), "");
  EXPECT_EQ(bearer_token(request{}), "");
  const access_config cfg{.mode = auth_mode::owner, .admin_token = "the-admin-token"};
  EXPECT_TRUE(is_admin(with_authorization("bearer the-admin-token"), cfg));
  EXPECT_FALSE(is_admin(with_authorization("Bearer the-admin-tokem"), cfg));
  EXPECT_FALSE(is_admin(with_authorization("Bearer "), access_config{}));  // no token configured: nobody
}

TEST(access, modes_have_names) {
  EXPECT_EQ(auth_mode_named("open"), auth_mode::open);
  EXPECT_EQ(auth_mode_named("owner"), auth_mode::owner);
  EXPECT_FALSE(auth_mode_named("Owner"));
  EXPECT_EQ(auth_mode_name(auth_mode::owner), "owner");
}

TEST(rate_limiter, a_bucket_holds_the_burst_and_refills_at_the_rate) {
  rate_limiter l(2, 3);  // 2 a second, 3 at once
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l.admit("10.0.0.1", 1000), 0) << i;
  EXPECT_EQ(l.admit("10.0.0.1", 1000), 500);  // half a second to the next token
  EXPECT_EQ(l.admit("10.0.0.2", 1000), 0);    // another client has its own bucket
  EXPECT_EQ(l.admit("10.0.0.1", 1250), 250);
  EXPECT_EQ(l.admit("10.0.0.1", 1500), 0);
  EXPECT_EQ(l.admit("10.0.0.1", 1500), 500);
  EXPECT_EQ(l.admit("10.0.0.1", 100'000), 0);  // refilled to the burst, not beyond
  EXPECT_EQ(l.admit("10.0.0.1", 100'000), 0);
  EXPECT_EQ(l.admit("10.0.0.1", 100'000), 0);
  EXPECT_GT(l.admit("10.0.0.1", 100'000), 0);
}

TEST(rate_limiter, off_admits_everything_and_the_key_count_stays_bounded) {
  rate_limiter off(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(off.admit("a", 0), 0);
  EXPECT_EQ(off.size(), 0u);

  rate_limiter l(1, 1, 2);
  EXPECT_EQ(l.admit("a", 0), 0);
  EXPECT_EQ(l.admit("b", 0), 0);
  EXPECT_EQ(l.admit("c", 0), 0);  // full, nothing refilled: admitted without a bucket
  EXPECT_EQ(l.size(), 2u);
  EXPECT_EQ(l.admit("c", 0), 0);
  EXPECT_GT(l.admit("a", 0), 0);     // a still has its (empty) bucket
  EXPECT_EQ(l.admit("d", 5000), 0);  // a and b have refilled: swept, d gets a bucket
  EXPECT_EQ(l.size(), 1u);
  EXPECT_GT(l.admit("d", 5000), 0);
}

TEST(rate_limiter, the_answer_is_429_with_whole_seconds_to_wait) {
  response got;
  reply_rate_limited([&](response r) { got = std::move(r); }, 1200, "/x");
  EXPECT_EQ(got.status, 429u);
  ASSERT_EQ(got.headers.size(), 1u);
  EXPECT_EQ(got.headers[0], (std::pair<std::string, std::string>{"Retry-After", "2"}));
  EXPECT_NE(got.body.find(R"("code":"too_many_requests")"), std::string::npos) << got.body;
  EXPECT_EQ(got.route, "/x");
}

}  // namespace
}  // namespace metronome::net

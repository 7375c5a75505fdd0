// The session rules that live on the record (store/session.hpp) and the one
// region-name check (store/registry_store.hpp): every API view calls these.
#include <gtest/gtest.h>

#include "metronome/store/registry_store.hpp"
#include "metronome/store/session.hpp"

namespace metronome::store {
namespace {

session_record record(session_mode mode, session_status status) {
  session_record r;
  r.mode = mode;
  r.status = status;
  return r;
}

TEST(session_rules, client_mode_seed_is_always_visible) {
  EXPECT_TRUE(record(session_mode::client, session_status::running).seed_visible());
  EXPECT_TRUE(record(session_mode::client, session_status::stopped).seed_visible());
}

TEST(session_rules, server_mode_seed_is_visible_only_once_ended) {
  EXPECT_FALSE(record(session_mode::server, session_status::running).seed_visible());
  EXPECT_TRUE(record(session_mode::server, session_status::stopped).seed_visible());
  EXPECT_TRUE(record(session_mode::server, session_status::exited).seed_visible());
}

TEST(session_rules, public_status_names_per_vocabulary) {
  const auto running = record(session_mode::client, session_status::running);
  EXPECT_EQ(running.public_status(status_vocabulary::v1), "running");
  EXPECT_EQ(running.public_status(status_vocabulary::seed002), "active");
  const auto exited = record(session_mode::client, session_status::exited);
  EXPECT_EQ(exited.public_status(status_vocabulary::v1), "exited");
  EXPECT_EQ(exited.public_status(status_vocabulary::seed002), "exited");
  EXPECT_EQ(record(session_mode::client, session_status::stopped).public_status(status_vocabulary::seed002), "stopped");
}

TEST(session_rules, plausible_session_ids) {
  EXPECT_TRUE(plausible_session_id("0b6c2f4e-9a1d-4c3b-8e7f-112233445566"));
  EXPECT_TRUE(plausible_session_id(std::string(64, 'a')));
  EXPECT_FALSE(plausible_session_id(""));
  EXPECT_FALSE(plausible_session_id(std::string(65, 'a')));
  EXPECT_FALSE(plausible_session_id("a/b"));
  EXPECT_FALSE(plausible_session_id("a b"));
  EXPECT_FALSE(plausible_session_id("%00"));
}

TEST(session_rules, region_names) {
  EXPECT_TRUE(valid_region_name("eu"));
  EXPECT_TRUE(valid_region_name("us-east-1"));
  EXPECT_TRUE(valid_region_name(std::string(32, 'a')));
  EXPECT_FALSE(valid_region_name(""));
  EXPECT_FALSE(valid_region_name(std::string(33, 'a')));
  EXPECT_FALSE(valid_region_name("EU"));
  EXPECT_FALSE(valid_region_name("eu_west"));
  EXPECT_FALSE(valid_region_name("eu\n"));
}

}  // namespace
}  // namespace metronome::store

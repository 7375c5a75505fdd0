#include <gtest/gtest.h>

#include "metronome/core/json_text.hpp"

namespace metronome {
namespace {

std::string escaped(std::string_view s) {
  std::string out;
  append_json_escaped(out, s);
  return out;
}

TEST(json_text, escapes_quotes_backslashes_and_controls) { EXPECT_EQ(escaped("a\"b\\c\n\t\x01"), "a\\\"b\\\\c\\n\\t\\u0001"); }

TEST(json_text, keeps_valid_utf8_and_replaces_malformed_bytes) {
  EXPECT_EQ(escaped("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xB2"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xB2");
  const std::string r = "\xEF\xBF\xBD";           // U+FFFD, written as UTF-8
  EXPECT_EQ(escaped("/caf\xff"), "/caf" + r);     // found by fuzz_http_request
  EXPECT_EQ(escaped("\xC0\xAF"), r + r);          // overlong '/'
  EXPECT_EQ(escaped("\xED\xA0\x80"), r + r + r);  // a UTF-16 surrogate
  EXPECT_EQ(escaped("\xE2\x82"), r + r);          // truncated
}

}  // namespace
}  // namespace metronome

// Every case of tests/vectors/engine.json, the file the TypeScript port is
// checked against too.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include <boost/json.hpp>

#include "metronome/engine/seed.hpp"
#include "metronome/engine/state.hpp"

namespace metronome::engine {
namespace {

namespace json = boost::json;

rule rule_from(const json::object& o) {
  if (o.at("name").as_string() == "rounds") {
    return rounds_rule{.mean_interval = json::value_to<std::uint32_t>(o.at("mean_interval")),
                       .jitter = json::value_to<std::uint32_t>(o.at("jitter"))};
  }
  return lcg_counter_rule{json::value_to<std::uint32_t>(o.at("break_probability"))};
}

TEST(vectors, every_case_matches) {
  std::ifstream in("tests/vectors/engine.json");
  ASSERT_TRUE(in) << "run from the repository root";
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const json::value doc = json::parse(text);
  const json::array& cases = doc.at("cases").as_array();
  ASSERT_GE(cases.size(), 1000u);
  std::size_t lcg = 0, rounds = 0;
  for (const json::value& v : cases) {
    const json::object& c = v.as_object();
    const session_params p{.seed = *parse_seed(c.at("seed").as_string()),
                           .start_at_ms = c.at("startAt").to_number<std::int64_t>(),
                           .tick_ms = c.at("tickMs").to_number<std::int64_t>(),
                           .rule = rule_from(c.at("rule").as_object())};
    ASSERT_EQ(std::to_string(p.seed), c.at("seedU64").as_string().c_str());
    (std::holds_alternative<rounds_rule>(p.rule) ? rounds : lcg) += 1;
    const state s = state_at(p, c.at("now").to_number<std::int64_t>());
    const json::object& e = c.at("expect").as_object();
    SCOPED_TRACE(json::serialize(c));
    EXPECT_EQ(phase_name(s.phase), e.at("phase").as_string().c_str());
    EXPECT_EQ(s.step, e.at("step").to_number<std::int64_t>());
    EXPECT_EQ(s.value, e.at("value").to_number<std::int64_t>());
    EXPECT_EQ(s.round, e.at("round").to_number<std::int64_t>());
    EXPECT_EQ(s.broken, e.at("broken").as_bool());
    if (s.phase == phase::countdown) {
      EXPECT_EQ(s.remaining_ms, e.at("remainingMs").to_number<std::int64_t>());
    }
  }
  EXPECT_GT(rounds, 400u);
  EXPECT_GT(lcg, 400u);
}

}  // namespace
}  // namespace metronome::engine

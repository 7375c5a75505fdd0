// The command file of `metronome world run` (apps/metronome/world_command_file):
// any input, one line or many, is either parsed or refused with a message,
// never a crash; a parsed command, written back as JSON, parses to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "fuzz_check.hpp"
#include "world_command_file.hpp"

namespace {

using metronome::world::command;
using metronome::world::command_kind;

std::string encode(const command& c) {
  boost::json::object o;
  o["tick"] = c.tick;
  o["player"] = c.player;
  o["seq"] = c.sequence;
  o["entity"] = c.entity;
  switch (c.kind) {
    case command_kind::set_velocity:
      o["type"] = "velocity";
      o["vx"] = c.a;
      o["vy"] = c.b;
      break;
    case command_kind::move_to:
      o["type"] = "moveTo";
      o["x"] = c.a;
      o["y"] = c.b;
      o["speed"] = c.c;
      break;
    case command_kind::stop: o["type"] = "stop"; break;
    case command_kind::emote:
      o["type"] = "emote";
      o["text"] = c.text;
      break;
    case command_kind::join:
      o["type"] = "join";
      o["key"] = c.text;
      o["x"] = c.a;
      o["y"] = c.b;
      break;
    case command_kind::leave: o["type"] = "leave"; break;
  }
  return boost::json::serialize(o);
}

bool same(const command& l, const command& r) {
  return l.tick == r.tick && l.player == r.player && l.sequence == r.sequence && l.entity == r.entity && l.kind == r.kind && l.a == r.a &&
         l.b == r.b && l.c == r.c && l.text == r.text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto one = metronome::cli::parse_world_command(input);
  FUZZ_CHECK(one.ok || !one.error.empty(), "a refusal carries a message");
  if (one.ok) {
    const std::string again = encode(one.cmd);
    const auto back = metronome::cli::parse_world_command(again);
    FUZZ_CHECK(back.ok, again);
    FUZZ_CHECK(same(back.cmd, one.cmd), again);
  }
  const auto file = metronome::cli::parse_world_commands(input);
  FUZZ_CHECK(file.error.empty() || file.error.rfind("line ", 0) == 0, file.error);
  FUZZ_CHECK(file.commands.size() <= metronome::cli::max_commands, "bounded");
  return 0;
}

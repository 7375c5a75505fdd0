#include "world_command_file.hpp"

#include <limits>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace metronome::cli {
namespace {

namespace json = boost::json;

/// An integer field in [lo, hi], or an error naming it.
bool read_int(const json::object& o, std::string_view key, std::int64_t lo, std::int64_t hi, std::int64_t& out, std::string& error,
              bool required = true) {
  const json::value* v = o.if_contains(key);
  if (!v) {
    if (required) error = "missing \"" + std::string(key) + "\"";
    return !required;
  }
  std::int64_t x = 0;
  if (v->is_int64()) {
    x = v->as_int64();
  } else if (v->is_uint64()) {
    x = std::numeric_limits<std::int64_t>::max();  // above every range below
  } else {
    error = "\"" + std::string(key) + "\" must be an integer";
    return false;
  }
  if (x < lo || x > hi) {
    error = "\"" + std::string(key) + "\" must be from " + std::to_string(lo) + " to " + std::to_string(hi);
    return false;
  }
  out = x;
  return true;
}

bool only_fields(const json::object& o, std::initializer_list<std::string_view> allowed, std::string& error) {
  for (const auto& kv : o) {
    bool known = false;
    for (std::string_view a : allowed) known = known || kv.key() == a;
    if (!known) {
      error = "unknown field \"" + std::string(kv.key()) + "\"";
      return false;
    }
  }
  return true;
}

constexpr std::int64_t i32_min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t i32_max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max() - 1;
constexpr std::string_view type_error = "\"type\" must be one of velocity, moveTo, stop, emote, join, leave";

}  // namespace

command_parse parse_world_command(std::string_view line) {
  command_parse r;
  if (line.size() > max_command_line_bytes) {
    r.error = "longer than " + std::to_string(max_command_line_bytes) + " bytes";
    return r;
  }
  boost::system::error_code ec;
  const json::value v = json::parse(line, ec);
  if (ec) {
    r.error = "not JSON: " + ec.message();
    return r;
  }
  if (!v.is_object()) {
    r.error = "not a JSON object";
    return r;
  }
  const json::object& o = v.as_object();
  const json::value* type = o.if_contains("type");
  if (!type || !type->is_string()) {
    r.error = std::string(type_error);
    return r;
  }
  const std::string_view t = type->as_string();
  world::command& c = r.cmd;
  // join and leave come from the system: "player" defaults to system_sender.
  const bool system = t == "join" || t == "leave";
  std::int64_t tick = 0, player = world::system_sender, seq = 0, entity = -1, a = 0, b = 0, speed = 0;
  std::string& e = r.error;
  if (!read_int(o, "tick", 0, i64_max, tick, e) || !read_int(o, "player", 0, u32_max, player, e, !system) ||
      !read_int(o, "seq", 0, i64_max, seq, e) || !read_int(o, "entity", 0, u32_max, entity, e, false)) {
    return r;
  }
  c.tick = static_cast<std::uint64_t>(tick);
  c.player = static_cast<std::uint32_t>(player);
  c.sequence = static_cast<std::uint64_t>(seq);
  c.entity = entity < 0 ? c.player : static_cast<std::uint32_t>(entity);
  if (t == "velocity") {
    if (!only_fields(o, {"tick", "player", "seq", "entity", "type", "vx", "vy"}, e) || !read_int(o, "vx", i32_min, i32_max, a, e) ||
        !read_int(o, "vy", i32_min, i32_max, b, e)) {
      return r;
    }
    c.kind = world::command_kind::set_velocity;
  } else if (t == "moveTo") {
    if (!only_fields(o, {"tick", "player", "seq", "entity", "type", "x", "y", "speed"}, e) || !read_int(o, "x", i32_min, i32_max, a, e) ||
        !read_int(o, "y", i32_min, i32_max, b, e) || !read_int(o, "speed", i32_min, i32_max, speed, e)) {
      return r;
    }
    c.kind = world::command_kind::move_to;
  } else if (t == "stop") {
    if (!only_fields(o, {"tick", "player", "seq", "entity", "type"}, e)) return r;
    c.kind = world::command_kind::stop;
  } else if (t == "emote") {
    if (!only_fields(o, {"tick", "player", "seq", "entity", "type", "text"}, e)) return r;
    const json::value* text = o.if_contains("text");
    if (!text || !text->is_string()) {
      e = "\"text\" must be a string";
      return r;
    }
    c.kind = world::command_kind::emote;
    c.text = std::string(text->as_string());
  } else if (t == "join") {
    if (!only_fields(o, {"tick", "player", "seq", "entity", "type", "key", "x", "y"}, e) || !read_int(o, "x", i32_min, i32_max, a, e) ||
        !read_int(o, "y", i32_min, i32_max, b, e)) {
      return r;
    }
    const json::value* key = o.if_contains("key");
    if (!key || !key->is_string()) {
      e = "\"key\" must be a string";
      return r;
    }
    c.kind = world::command_kind::join;
    c.text = std::string(key->as_string());
  } else if (t == "leave") {
    if (!only_fields(o, {"tick", "player", "seq", "entity", "type"}, e)) return r;
    if (entity < 0) {
      e = "missing \"entity\"";
      return r;
    }
    c.kind = world::command_kind::leave;
  } else {
    e = std::string(type_error);
    return r;
  }
  c.a = static_cast<std::int32_t>(a);
  c.b = static_cast<std::int32_t>(b);
  c.c = static_cast<std::int32_t>(speed);
  r.ok = true;
  return r;
}

command_file parse_world_commands(std::string_view text) {
  command_file f;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (f.commands.size() == max_commands) {
      f.error = "line " + std::to_string(line_no) + ": more than " + std::to_string(max_commands) + " commands";
      return f;
    }
    command_parse p = parse_world_command(line);
    if (!p.ok) {
      f.error = "line " + std::to_string(line_no) + ": " + p.error;
      return f;
    }
    f.commands.push_back(std::move(p.cmd));
  }
  return f;
}

}  // namespace metronome::cli

#include "sqlite/sqlite_cursor.hpp"

#include <charconv>

namespace metronome::store::detail {
namespace {

constexpr std::string_view prefix = "s1.";
constexpr char hex_digits[] = "0123456789abcdef";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

metronome::error bad_cursor(std::string_view why) {
  return make_error(errc::invalid_argument, "malformed cursor (" + std::string(why) + "): pass next_cursor back unchanged");
}

}  // namespace

std::string encode_cursor(std::int64_t created_at_ms, std::string_view id) {
  std::string out(prefix);
  out += std::to_string(created_at_ms);
  out += '.';
  out.reserve(out.size() + 2 * id.size());
  for (const char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    out += hex_digits[byte >> 4];
    out += hex_digits[byte & 0x0f];
  }
  return out;
}

result<cursor_position> decode_cursor(std::string_view cursor) {
  if (cursor.size() > max_cursor_chars) return bad_cursor("too long");
  if (!cursor.starts_with(prefix)) return bad_cursor("unknown format");
  std::string_view rest = cursor.substr(prefix.size());
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) return bad_cursor("no id");

  cursor_position pos;
  const std::string_view number = rest.substr(0, dot);
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), pos.created_at_ms);
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size()) return bad_cursor("bad time");
  // to_string never writes "+", "-0" or leading zeros: reject them so each
  // position has exactly one spelling.
  if (number == "-0" || (number.size() > 1 && number[0] == '0') || number.starts_with("-0")) return bad_cursor("bad time");

  const std::string_view hex = rest.substr(dot + 1);
  if (hex.empty() || hex.size() % 2 != 0) return bad_cursor("bad id");
  pos.id.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return bad_cursor("bad id");
    pos.id += static_cast<char>(hi * 16 + lo);
  }
  return pos;
}

}  // namespace metronome::store::detail
